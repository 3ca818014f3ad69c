#!/usr/bin/env bash
# Runs kafkajs v2.2.4's own integration specs against ONE embedded broker and prints
# passed / failed / skipped per spec directory. Not part of CI: it takes 15-25 minutes.
#
#   npm run kafkajs-suite -- <kafkajs source>
#   scripts/kafkajs-suite.sh <kafkajs source> [spec dir ...]
#
# <kafkajs source> is one of:
#   - a kafkajs git checkout or bare git dir holding tag v2.2.4 (the tag is `git archive`d),
#   - a directory holding the v2.2.4 sources (package.json, src/, testHelpers/),
#   - a .tar.gz of that tree (e.g. GitHub's archive of the tag).
# The npm tarball of kafkajs does not do: it ships neither the *.spec.js files nor testHelpers/.
#
# A spec dir may also be one spec file (e.g. src/broker/__tests__/describeConfigs.spec.js), to
# iterate on a few tests. Spec dirs default to the six the broker is measured on (docs/broker.md):
#   src/producer src/consumer src/admin src/cluster src/broker src/network
#
# What is changed in kafkajs: testHelpers/index.js's broker addresses (the three plaintext
# "brokers" all point at the one embedded broker, the three SSL ones at one SSL endpoint, the
# three SASL_SSL ones at one SASL_SSL endpoint), and scripts/addPartitions.sh,
# which adds partitions through kafkajs's admin instead of `docker exec kafka-topics`. KAFKA_VERSION=2.4,
# as kafkajs's own `yarn jest` sets it. kafkajs's devDependencies are installed from the npm
# registry into the work dir (once; reused when the work dir is kept).
#
# Environment:
#   KAFKAJS_SUITE_PORT     broker port (default 9092: a few kafkajs specs hard-code it)
#   KAFKAJS_SUITE_WORKDIR  where kafkajs is unpacked and results go (default: a new temp dir)
#   KAFKAJS_SUITE_WORKERS  jest workers (default 2)
#   KAFKAJS_SUITE_SSL_PORT / KAFKAJS_SUITE_SASL_PORT  the SSL and SASL_SSL endpoints (default 9093 / 9094,
#                          which a few kafkajs specs hard-code)
#
# The embedded broker has no TLS, and one listener. kafkajs's SSL and SASL_SSL tests (SASL/PLAIN
# as the users of kafkajs's testHelpers/kafka/server-jaas.conf: test, bob, alice; SCRAM-SHA-256/512
# as the testscram user of its scripts/createScramCredentials.sh; and the ACL specs, which connect
# that way) are served by two more embedded brokers behind a TLS
# terminator written here (a throwaway self-signed certificate: kafkajs's test clients do not
# verify it), each advertising the terminator's port as Kafka's advertised.listeners would.
# They are separate clusters (own data dirs): no kafkajs spec mixes endpoints within one test.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SOURCE="${1:-}"
if [ -z "$SOURCE" ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 2
fi
shift
DIRS=("$@")
[ ${#DIRS[@]} -gt 0 ] || DIRS=(src/producer src/consumer src/admin src/cluster src/broker src/network)
PORT="${KAFKAJS_SUITE_PORT:-9092}"
WORKERS="${KAFKAJS_SUITE_WORKERS:-2}"
WORK="${KAFKAJS_SUITE_WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/intake-kafkajs-suite-XXXXXX")}"
KJS="$WORK/kafkajs"
RESULTS="$WORK/results"
SSL_PORT="${KAFKAJS_SUITE_SSL_PORT:-9093}"
SASL_PORT="${KAFKAJS_SUITE_SASL_PORT:-9094}"
mkdir -p "$WORK" "$RESULTS"
rm -f "$RESULTS"/*.json "$RESULTS"/*.log

# ---- 1. kafkajs v2.2.4 sources ---------------------------------------------------------
if [ ! -f "$KJS/testHelpers/index.js" ]; then
  mkdir -p "$KJS"
  if [ -f "$SOURCE" ]; then
    tar -xzf "$SOURCE" -C "$KJS" --strip-components=1
  elif git -C "$SOURCE" rev-parse --verify -q v2.2.4 >/dev/null 2>&1; then
    git -C "$SOURCE" archive v2.2.4 | tar -x -C "$KJS"
  elif [ -f "$SOURCE/testHelpers/index.js" ]; then
    cp -R "$SOURCE/." "$KJS/"
    rm -rf "$KJS/.git" "$KJS/node_modules"
  else
    echo "kafkajs-suite: $SOURCE is neither a git dir with tag v2.2.4, a kafkajs source tree nor a .tar.gz" >&2
    exit 2
  fi
fi
version="$(node -p "require('$KJS/package.json').version")"
[ "$version" = "2.2.4" ] || { echo "kafkajs-suite: expected kafkajs 2.2.4, found $version" >&2; exit 2; }

# ---- 2. its test dependencies (versions from its yarn.lock ranges) -------------------------
if [ ! -x "$KJS/node_modules/.bin/jest" ]; then
  echo "kafkajs-suite: installing kafkajs's test dependencies into $KJS/node_modules"
  (cd "$KJS" && npm install --no-audit --no-fund --ignore-scripts --no-package-lock --no-save \
    jest@25.5.4 jest-circus@25.5.4 jest-extended@0.11.5 jest-junit@10.0.0 execa@2.1.0 glob@7.2.3 \
    ip@1.1.8 mockdate@2.0.5 semver@6.3.0 uuid@3.4.0 jsonwebtoken@9.0.0 >"$WORK/npm-install.log" 2>&1) || {
    echo "kafkajs-suite: npm install failed, see $WORK/npm-install.log" >&2
    exit 1
  }
fi

# ---- 3. point the test helpers at one broker ---------------------------------------------
HELPERS="$KJS/testHelpers/index.js"
[ -f "$HELPERS.orig" ] || cp "$HELPERS" "$HELPERS.orig"
node - "$HELPERS.orig" "$HELPERS" "$PORT" "$SSL_PORT" "$SASL_PORT" <<'EOF'
const fs = require('fs');
const [from, to, port, ssl, sasl] = process.argv.slice(2);
let s = fs.readFileSync(from, 'utf8');
const swaps = [
  [/const plainTextBrokers = .*/, `const plainTextBrokers = (host = getHost()) => [\`\${host}:${port}\`, \`\${host}:${port}\`, \`\${host}:${port}\`]`],
  [/const sslBrokers = .*/, `const sslBrokers = (host = getHost()) => [\`\${host}:${ssl}\`, \`\${host}:${ssl}\`, \`\${host}:${ssl}\`]`],
  [/const saslBrokers = .*/, `const saslBrokers = (host = getHost()) => [\`\${host}:${sasl}\`, \`\${host}:${sasl}\`, \`\${host}:${sasl}\`]`],
  [/port: 9092,/g, `port: ${port},`],
  [/port: 9093,/g, `port: ${ssl},`],
  [/port: 9094,/g, `port: ${sasl},`],
  [/\$\{getHost\(\)\}:9092/g, `\${getHost()}:${port}`],
];
for (const [re, by] of swaps) {
  if (!re.test(s)) throw new Error(`testHelpers/index.js no longer matches ${re}: kafkajs changed, update this script`);
  s = s.replace(re, by);
}
fs.writeFileSync(to, s);
EOF

# kafkajs's helper addPartitions() runs scripts/addPartitions.sh, which alters the topic with
# `docker exec kafka1 kafka-topics`. Here the same alteration goes through kafkajs's own
# admin.createPartitions (CreatePartitions) against the embedded broker.
cat >"$KJS/scripts/addPartitions.sh" <<'SH'
#!/bin/bash -e
# Written by Intake's scripts/kafkajs-suite.sh in place of the docker-based original.
[ -n "$TOPIC" ] && [ -n "$PARTITIONS" ] || { echo "TOPIC and PARTITIONS are mandatory" >&2; exit 1; }
node -e '
const { Kafka, logLevel } = require("./index")
const admin = new Kafka({ brokers: [process.env.KAFKAJS_SUITE_BROKER], logLevel: logLevel.NOTHING }).admin()
admin.connect()
  .then(() => admin.createPartitions({ topicPartitions: [{ topic: process.env.TOPIC, count: Number(process.env.PARTITIONS) }] }))
  .then(() => admin.disconnect(), (e) => { console.error(e); process.exit(1) })
'
SH
chmod +x "$KJS/scripts/addPartitions.sh"
export KAFKAJS_SUITE_BROKER="localhost:$PORT"

# ---- 4. one embedded broker, from this checkout ---------------------------------------------
# The broker CLI that `npm run broker` runs (src/broker/cli.ts), compiled on its own: src/broker
# imports nothing from the app, so unfinished work elsewhere in the tree cannot stop this run.
(cd "$ROOT" && npx tsc --module commonjs --target ES2022 --lib ES2022 --strict --esModuleInterop --skipLibCheck \
  --types node --rootDir src/broker --outDir "$WORK/broker-dist" src/broker/cli.ts)
DATA="$WORK/broker-data"
rm -rf "$DATA" "$DATA-secure"
# Listening on and advertising `localhost`, as the kafkajs docker brokers advertise themselves,
# with Apache Kafka's defaults where the embedded broker's own differ (message.max.bytes
# 1000012, log.segment.bytes 1 GiB): kafkajs's describeConfigs specs check those defaults.
KAFKA_DEFAULTS='{ "batchBytesMax": 1000012, "segmentBytesMax": 1073741824 }'
node -e '
const [dist, dataDir, port, defaults] = process.argv.slice(1);
require(dist).startBroker({ dataDir, host: "localhost", port: Number(port), ...JSON.parse(defaults) })
  .then((b) => console.log(`embedded broker on ${b.address}`), (err) => { console.error(err); process.exit(1); });
' "$WORK/broker-dist/index.js" "$DATA/log" "$PORT" "$KAFKA_DEFAULTS" >"$RESULTS/broker.log" 2>&1 &
BROKER_PID=$!
# The SSL and SASL_SSL endpoints: a broker each behind a TLS terminator (see the top of this file).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -keyout "$WORK/tls-key.pem" -out "$WORK/tls-cert.pem" >"$RESULTS/openssl.log" 2>&1
cat >"$WORK/secure-brokers.js" <<'JS'
// Written by Intake's scripts/kafkajs-suite.sh: two embedded brokers behind TLS terminators.
const fs = require('fs');
const net = require('net');
const path = require('path');
const tls = require('tls');
const [dist, dataRoot, keyFile, certFile, sslPort, saslPort, defaults] = process.argv.slice(2);
const kafkaDefaults = JSON.parse(defaults);
const { startBroker, scramCredential } = require(dist);
// kafkajs's testHelpers/kafka/server-jaas.conf PLAIN users. Each may do everything; ACLs narrow them.
const users = { test: 'testtest', bob: 'bobbob', alice: 'alicealice' };
const principal = (name) => ({ name, mayProduce: () => true, mayAdmin: () => true });
// The SCRAM user kafkajs's scripts/createScramCredentials.sh registers with kafka-configs
// (SCRAM-SHA-256 with 8192 iterations, SCRAM-SHA-512 with kafka-configs' default 4096).
const scramUsers = {
  'SCRAM-SHA-256': { testscram: scramCredential('SCRAM-SHA-256', 'testtestscram=256', 8192) },
  'SCRAM-SHA-512': { testscram: scramCredential('SCRAM-SHA-512', 'testtestscram=512', 4096) },
};
const sasl = {
  required: true,
  authenticate: async (username, password) => (users[username] === password ? principal(username) : null),
  scram: async (mechanism, username) => {
    const credential = scramUsers[mechanism] && scramUsers[mechanism][username];
    return credential ? { credential, principal: principal(username) } : null;
  },
};
const tlsOptions = { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) };
async function endpoint(name, publicPort, extra) {
  const broker = await startBroker(
    { dataDir: path.join(dataRoot, name), host: '127.0.0.1', port: 0, advertisedHost: 'localhost', advertisedPort: publicPort, ...kafkaDefaults, ...extra },
    { info: (m) => console.log(`[${name}] ${m}`), warn: (m) => console.warn(`[${name}] ${m}`) },
  );
  const server = tls.createServer(tlsOptions, (client) => {
    const upstream = net.connect(broker.port, '127.0.0.1');
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(publicPort, 'localhost', resolve));
  console.log(`${name}: TLS on localhost:${publicPort} -> embedded broker ${broker.address}`);
}
endpoint('ssl', Number(sslPort), {})
  .then(() => endpoint('sasl_ssl', Number(saslPort), { sasl }))
  .catch((err) => { console.error(err); process.exit(1); });
JS
node "$WORK/secure-brokers.js" "$WORK/broker-dist/index.js" "$DATA-secure" "$WORK/tls-key.pem" "$WORK/tls-cert.pem" "$SSL_PORT" "$SASL_PORT" "$KAFKA_DEFAULTS" \
  >"$RESULTS/secure-brokers.log" 2>&1 &
SECURE_PID=$!
trap 'kill "$BROKER_PID" "$SECURE_PID" 2>/dev/null || true; wait "$BROKER_PID" "$SECURE_PID" 2>/dev/null || true' EXIT
for p in "$PORT" "$SSL_PORT" "$SASL_PORT"; do
  for _ in $(seq 1 100); do
    if node -e "require('net').connect($p,'localhost').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))" 2>/dev/null; then break; fi
    kill -0 "$BROKER_PID" 2>/dev/null || { echo "kafkajs-suite: the broker did not start:" >&2; cat "$RESULTS/broker.log" >&2; exit 1; }
    kill -0 "$SECURE_PID" 2>/dev/null || { echo "kafkajs-suite: the SSL / SASL_SSL brokers did not start:" >&2; cat "$RESULTS/secure-brokers.log" >&2; exit 1; }
    sleep 0.1
  done
done
echo "kafkajs-suite: kafkajs 2.2.4 in $KJS, embedded broker on localhost:$PORT (pid $BROKER_PID), SSL on :$SSL_PORT and SASL_SSL on :$SASL_PORT (pid $SECURE_PID), results in $RESULTS"

# ---- 5. the specs, one directory at a time -------------------------------------------------
for dir in "${DIRS[@]}"; do
  name="$(echo "$dir" | tr '/' '_')"
  echo "kafkajs-suite: running $dir ..."
  (cd "$KJS" && KAFKA_VERSION=2.4 NODE_ENV=test KAFKAJS_DEBUG_PROTOCOL_BUFFERS=1 \
    node node_modules/.bin/jest --ci --forceExit --no-watchman --maxWorkers="$WORKERS" --reporters=default \
    --testPathPattern "^$KJS/$dir(/|$)" --json --outputFile="$RESULTS/$name.json" >"$RESULTS/$name.log" 2>&1) || true
done

# ---- 6. the figures ---------------------------------------------------------------------------
node - "$RESULTS" "${DIRS[@]}" <<'EOF'
const fs = require('fs');
const path = require('path');
const [results, ...dirs] = process.argv.slice(2);
const total = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
console.log('\ndirectory        passed  failed  skipped');
for (const dir of dirs) {
  const file = path.join(results, dir.replace(/\//g, '_') + '.json');
  if (!fs.existsSync(file)) {
    console.log(`${dir.padEnd(16)} (no results: see ${file.replace(/\.json$/, '.log')})`);
    continue;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  const row = { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + (r.numTodoTests || 0) };
  // A spec file that fails before any test runs (e.g. a suite-level error) counts its tests nowhere: report it.
  for (const suite of r.testResults) {
    const rel = path.relative(path.join(results, '..', 'kafkajs'), suite.name);
    if (suite.assertionResults.length === 0 && suite.status === 'failed') {
      row.failed += 1;
      failures.push(`${rel} :: (the whole file failed: ${(suite.message || '').split('\n').find((l) => l.trim()) || 'no message'})`);
    }
    for (const a of suite.assertionResults) if (a.status === 'failed') failures.push(`${rel} :: ${a.fullName}`);
  }
  for (const k of Object.keys(total)) total[k] += row[k];
  console.log(`${dir.padEnd(16)} ${String(row.passed).padStart(6)}  ${String(row.failed).padStart(6)}  ${String(row.skipped).padStart(7)}`);
}
console.log(`${'total'.padEnd(16)} ${String(total.passed).padStart(6)}  ${String(total.failed).padStart(6)}  ${String(total.skipped).padStart(7)}`);
fs.writeFileSync(path.join(results, 'failures.txt'), failures.join('\n') + '\n');
console.log(`\nfailing tests (${failures.length}) listed in ${path.join(results, 'failures.txt')}`);
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
EOF
