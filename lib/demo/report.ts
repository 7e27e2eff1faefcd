/**
 * How the demo prints: numbered sections, each with a title and a one-line explanation, and
 * their content indented below.
 *
 * @module
 */

/** What the demo prints to, one line at a time. */
export type Print = (line: string) => void;

/** Prints numbered sections. */
export class Report {
  readonly #print: Print;
  #number = 0;

  /** Prints through `print`. */
  constructor(print: Print) {
    this.#print = print;
  }

  /** Starts the next section: `N. title`, then the explanation. */
  section(title: string, explanation: string): void {
    this.#number++;
    this.#print("");
    this.#print(`${this.#number}. ${title}`);
    this.#print(`   ${explanation}`);
  }

  /** Prints content lines, indented (empty lines stay empty). */
  lines(lines: Iterable<string>, indent = "     "): void {
    for (const line of lines) this.#print(line === "" ? "" : `${indent}${line}`);
  }

  /** Prints one content line. */
  line(line: string): void {
    this.lines([line]);
  }

  /** Prints a line as it is. */
  raw(line: string): void {
    this.#print(line);
  }
}
