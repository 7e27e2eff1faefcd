/**
 * The cluster tree: its model, text format (parse and print), storage codec, layering, import
 * planning, loading files with the store's limits, and what the tree may name.
 *
 * @module
 */
export * from "./model.ts";
export * from "./codec.ts";
export * from "./value.ts";
export * from "./parse.ts";
export * from "./format.ts";
export * from "./clone.ts";
export * from "./layer.ts";
export * from "./diff.ts";
export * from "./apply.ts";
export * from "./safe_values.ts";
export * from "./load.ts";
export * from "./json.ts";
