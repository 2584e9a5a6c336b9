/** Returns its input unchanged: the pool's smoke test and the smallest example of a task module. */
export default function echo(input: unknown): unknown {
  return input;
}
