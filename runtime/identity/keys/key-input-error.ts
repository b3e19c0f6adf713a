/** An invalid request to create a key (a name clash, a bad name), shown to the operator as is. */
export class KeyInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyInputError";
  }
}
