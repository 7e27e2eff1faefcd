/**
 * The cluster tree: its model, text format (parse and print), storage codec, layering and
 * import planning.
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
