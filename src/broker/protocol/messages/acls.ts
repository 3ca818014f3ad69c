// CreateAcls (key 30), DescribeAcls (key 29), DeleteAcls (key 31). Field facts from Apache
// Kafka's CreateAclsRequest/Response.json, DescribeAclsRequest/Response.json and
// DeleteAclsRequest/Response.json, trimmed to the versions this broker serves (0-1:
// v1 adds the resource pattern type, LITERAL (3) when absent; v2 is the flexible form).
import { FieldSpec, MessageSpec, array, field } from '../schema';

const PATTERN_LITERAL = 3;

export const CreateAclsRequest: MessageSpec = {
  apiKey: 30,
  name: 'CreateAclsRequest',
  validVersions: '0-1',
  flexibleVersions: '2+',
  fields: [
    array('creations', [
      field('resource_type', 'int8', '0+'),
      field('resource_name', 'string', '0+'),
      field('resource_pattern_type', 'int8', '1+', { default: PATTERN_LITERAL }),
      field('principal', 'string', '0+'),
      field('host', 'string', '0+'),
      field('operation', 'int8', '0+'),
      field('permission_type', 'int8', '0+'),
    ], '0+'),
  ],
};

export const CreateAclsResponse: MessageSpec = {
  apiKey: 30,
  name: 'CreateAclsResponse',
  validVersions: '0-1',
  flexibleVersions: '2+',
  fields: [
    field('throttle_time_ms', 'int32', '0+'),
    array('results', [
      field('error_code', 'int16', '0+'),
      field('error_message', 'string', '0+', { nullableVersions: '0+' }),
    ], '0+'),
  ],
};

/** The filter DescribeAcls sends once and DeleteAcls sends per entry. */
const FILTER_FIELDS: FieldSpec[] = [
  field('resource_type_filter', 'int8', '0+'),
  field('resource_name_filter', 'string', '0+', { nullableVersions: '0+' }),
  field('pattern_type_filter', 'int8', '1+', { default: PATTERN_LITERAL }),
  field('principal_filter', 'string', '0+', { nullableVersions: '0+' }),
  field('host_filter', 'string', '0+', { nullableVersions: '0+' }),
  field('operation', 'int8', '0+'),
  field('permission_type', 'int8', '0+'),
];

export const DescribeAclsRequest: MessageSpec = {
  apiKey: 29,
  name: 'DescribeAclsRequest',
  validVersions: '0-1',
  flexibleVersions: '2+',
  fields: FILTER_FIELDS,
};

export const DescribeAclsResponse: MessageSpec = {
  apiKey: 29,
  name: 'DescribeAclsResponse',
  validVersions: '0-1',
  flexibleVersions: '2+',
  fields: [
    field('throttle_time_ms', 'int32', '0+'),
    field('error_code', 'int16', '0+'),
    field('error_message', 'string', '0+', { nullableVersions: '0+' }),
    array('resources', [
      field('resource_type', 'int8', '0+'),
      field('resource_name', 'string', '0+'),
      field('pattern_type', 'int8', '1+', { default: PATTERN_LITERAL }),
      array('acls', [
        field('principal', 'string', '0+'),
        field('host', 'string', '0+'),
        field('operation', 'int8', '0+'),
        field('permission_type', 'int8', '0+'),
      ], '0+'),
    ], '0+'),
  ],
};

export const DeleteAclsRequest: MessageSpec = {
  apiKey: 31,
  name: 'DeleteAclsRequest',
  validVersions: '0-1',
  flexibleVersions: '2+',
  fields: [array('filters', FILTER_FIELDS, '0+')],
};

export const DeleteAclsResponse: MessageSpec = {
  apiKey: 31,
  name: 'DeleteAclsResponse',
  validVersions: '0-1',
  flexibleVersions: '2+',
  fields: [
    field('throttle_time_ms', 'int32', '0+'),
    array('filter_results', [
      field('error_code', 'int16', '0+'),
      field('error_message', 'string', '0+', { nullableVersions: '0+' }),
      array('matching_acls', [
        field('error_code', 'int16', '0+'),
        field('error_message', 'string', '0+', { nullableVersions: '0+' }),
        field('resource_type', 'int8', '0+'),
        field('resource_name', 'string', '0+'),
        field('pattern_type', 'int8', '1+', { default: PATTERN_LITERAL }),
        field('principal', 'string', '0+'),
        field('host', 'string', '0+'),
        field('operation', 'int8', '0+'),
        field('permission_type', 'int8', '0+'),
      ], '0+'),
    ], '0+'),
  ],
};
