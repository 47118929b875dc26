/** Sapa's mark: a speech bubble. */
export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg class="logo" width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <path
        d="M16 3C8.8 3 3 8.3 3 14.9c0 3.4 1.6 6.5 4.1 8.7L6 29l6-2.9c1.3.4 2.6.6 4 .6 7.2 0 13-5.3 13-11.9S23.2 3 16 3z"
        fill="#0f8a6c"
      />
      <path d="M11 13.5a5 5 0 0 0 10 0" fill="none" stroke="#fff" stroke-width="2.4" stroke-linecap="round" />
    </svg>
  )
}
