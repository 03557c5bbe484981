/**
 * Deepest nesting of arrays and objects a document may have. Parsers, differs and
 * serializers recurse per level, so the limit keeps every later step far from the stack limit.
 */
export const MAX_NESTING_DEPTH = 256;
