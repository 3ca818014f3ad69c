// The contract every file in apis/ implements: one Kafka API, the versions it
// serves, and a thin handle() that translates the decoded request into calls on
// the Cluster (the one owner of broker state) and back into a response body.

import type { Cluster } from '../cluster';
import type { Message } from '../protocol/schema';
import type { SaslSession } from '../sasl';

export interface RequestContext {
  version: number;
  clientId: string;
  clientHost: string;
  connectionId: number;
  cluster: Cluster;
  /** This connection's authentication: its state, and what its principal may do. */
  sasl: SaslSession;
  /** The versions every handler serves, for ApiVersions. */
  supportedVersions(): { api_key: number; min_version: number; max_version: number }[];
}

export interface ApiHandler {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
  /** Returns the response body, or null when the protocol wants no response. */
  handle(request: Message, context: RequestContext): Promise<Message | null> | Message | null;
}
