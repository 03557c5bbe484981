/** A plain HTTP API's failure as `[status, code]`, from its `{"error":{"code","message"}}` body. */
export async function failureOf(res: Response): Promise<[number, string]> {
  return [res.status, ((await res.json()) as { error: { code: string } }).error.code];
}
