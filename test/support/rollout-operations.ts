import { READ_ERROR_FIELDS } from './operations.js';

/** GraphQL documents of rollouts and instances, shared by their tests. */
export const DESIRED_STATE = `query($input: InstanceInput!) { desiredState(input: $input) {
  __typename ... on DesiredStateSuccess { data { environment cluster version { hash } } } ${READ_ERROR_FIELDS} } }`;

export const DESIRED_CONFIG = `query($input: InstanceInput!) { desiredConfig(input: $input) {
  __typename ... on DesiredConfigSuccess { data { version { hash } documents { path content text } } } ${READ_ERROR_FIELDS} } }`;

export const REPORT_INSTANCE = `mutation($input: InstanceReportInput!) { reportInstance(input: $input) {
  __typename ... on Instance { id desiredVersion appliedVersion status converged } ${READ_ERROR_FIELDS} } }`;

export const ROLLOUT = `query($ns: String!, $env: String!) { environment(namespace: $ns, name: $env) {
  __typename ... on EnvironmentSuccess { data {
    release { hash version { hash } rollback }
    rollout { release version stable phase step stepCount canaryStep percent bakeSecondsLeft reached failed healthy }
    instances { id cluster desiredVersion appliedVersion status converged drift lagSeconds }
    clusterSummary { cluster instances converged drifting failed allConverged }
  } } ${READ_ERROR_FIELDS} } }`;

const COMMAND_RESULT = `... on WritePayload { status version { hash action } } ... on Error { __typename code message }`;
export const PAUSE_ROLLOUT = `mutation($input: RolloutCommandInput!) { pauseRollout(input: $input) { ${COMMAND_RESULT} } }`;
export const RESUME_ROLLOUT = `mutation($input: RolloutCommandInput!) { resumeRollout(input: $input) { ${COMMAND_RESULT} } }`;
export const PROMOTE_ROLLOUT = `mutation($input: RolloutCommandInput!) { promoteRollout(input: $input) { ${COMMAND_RESULT} } }`;
export const ABORT_ROLLOUT = `mutation($input: RolloutCommandInput!) { abortRollout(input: $input) { ${COMMAND_RESULT} } }`;

export interface RolloutData {
  release: { hash: string; version: { hash: string }; rollback: boolean } | null;
  rollout: {
    release: string;
    version: string;
    stable: string | null;
    phase: string;
    step: number;
    stepCount: number;
    canaryStep: boolean;
    percent: number;
    bakeSecondsLeft: number | null;
    reached: number;
    failed: string[];
    healthy: number;
  } | null;
  instances: {
    id: string;
    cluster: string;
    desiredVersion: string | null;
    appliedVersion: string | null;
    status: string | null;
    converged: boolean;
    drift: boolean;
    lagSeconds: number | null;
  }[];
  clusterSummary: { cluster: string; instances: number; converged: number; drifting: number; failed: number; allConverged: boolean }[];
}
