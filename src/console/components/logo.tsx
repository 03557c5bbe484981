/** Three stacked stones: a cairn marks the way, as versions do. */
export function Logo({ size = 24 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="7" fill="#1f2937" />
      <ellipse cx="16" cy="24" rx="10" ry="3.5" fill="#9ca3af" />
      <ellipse cx="16" cy="17" rx="7.5" ry="3.2" fill="#d1d5db" />
      <ellipse cx="16" cy="10.5" rx="5" ry="2.8" fill="#f3f4f6" />
    </svg>
  );
}
