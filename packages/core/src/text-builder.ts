/** Pieces are joined into blocks of about this many characters as they come. */
const BLOCK_CHARS = 16 * 1024;

/**
 * Text collected from many small pieces (a stream's chunks) in linear time and in few objects.
 * `+=` per piece builds a rope of one node per piece, which every garbage collection walks
 * again, and a rope millions of nodes long makes a megabyte of blanks cost seconds; joining
 * everything per piece instead recopies it, which is quadratic. Here each character is copied
 * twice at most: into its block, and into the final text.
 */
export class TextBuilder {
  readonly #blocks: string[] = [];
  #pieces: string[] = [];
  #piecesLength = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  append(text: string): void {
    if (text.length === 0) return;
    this.#pieces.push(text);
    this.#piecesLength += text.length;
    this.#length += text.length;
    if (this.#piecesLength >= BLOCK_CHARS) {
      this.#blocks.push(this.#pieces.join(""));
      this.#pieces = [];
      this.#piecesLength = 0;
    }
  }

  /** The whole text; the builder is empty afterwards. */
  take(): string {
    const pieces = this.#pieces.join("");
    const text = this.#blocks.length === 0 ? pieces : this.#blocks.join("") + pieces;
    this.clear();
    return text;
  }

  clear(): void {
    this.#blocks.length = 0;
    this.#pieces = [];
    this.#piecesLength = 0;
    this.#length = 0;
  }
}
