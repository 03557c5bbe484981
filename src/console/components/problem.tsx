/** An expected failure (a result union's error member) as the console shows it. */
export function Problem({ result }: { result: { __typename?: string; message?: string | null } | null | undefined }) {
  if (!result) return <p class="alert alert-error">Not found.</p>;
  return (
    <p class="alert alert-error" data-error={result.__typename}>
      {result.message ?? result.__typename}
    </p>
  );
}
