/** A JSON value as it comes off the wire: Kubernetes objects are kept in this shape, never typed models. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue }
