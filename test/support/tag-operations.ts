/** GraphQL documents for tags, shared by the tag tests. */
const TAG_FIELDS = `name hash annotated message tagger { name email } time target { hash } protectedBy`;
const TAG_ERRORS = `... on Error { __typename code message }
  ... on TagExists { name currentHash }
  ... on ProtectedTag { name pattern }
  ... on InvalidTagName { name reason }
  ... on InvalidRef { ref reason }
  ... on Forbidden { requiredRole }
  ... on NotFound { kind key }`;
export const CREATE_TAG = `mutation($input: CreateTagInput!) { createTag(input: $input) { __typename ... on Tag { ${TAG_FIELDS} } ${TAG_ERRORS} } }`;
export const DELETE_TAG = `mutation($input: DeleteTagInput!) { deleteTag(input: $input) { __typename ... on Tag { ${TAG_FIELDS} } ${TAG_ERRORS} } }`;
export const TAGS = `query($ns: String!) { tags(namespace: $ns) { __typename ... on TagsSuccess { data { ${TAG_FIELDS} } } ${TAG_ERRORS} } }`;

export interface Tag {
  __typename: string;
  name: string;
  hash: string;
  annotated: boolean;
  message: string | null;
  tagger: { name: string; email: string } | null;
  time: string | null;
  target: { hash: string };
  protectedBy: string | null;
  code?: string;
  reason?: string;
  pattern?: string;
  requiredRole?: string;
  kind?: string;
}
