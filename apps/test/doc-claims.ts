/** What the doc tests (docs/*.md against the code and the synthesized stacks) read out of Markdown and Terraform JSON. */

/** The contents of every inline code span of `text`, in order. */
export const inlineCode = (text: string): string[] => [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);

/** Every (key, value) pair anywhere inside `value`, recursively. */
export function* settings(value: unknown): Generator<[string, unknown]> {
  if (Array.isArray(value)) for (const item of value) yield* settings(item);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      yield [k, v];
      yield* settings(v);
    }
  }
}
