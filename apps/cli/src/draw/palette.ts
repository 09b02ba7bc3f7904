/** Fill colours by permission: what a mapping allows is the first thing a reader looks for. */
export const PERM_FILL: Readonly<Record<string, string>> = {
  '---': '#d0d0d0',
  'r--': '#9ecae1',
  'rw-': '#a1d99b',
  'r-x': '#fdae6b',
  'rwx': '#fb6a4a',
  '-w-': '#c7e9c0',
  '--x': '#fdd0a2',
  '-wx': '#fcbba1',
};

/** Stripe colours by backing. */
export const BACKING_COLOR: Readonly<Record<string, string>> = {
  anonymous: '#2171b5',
  'cow-clone': '#6a51a3',
  slice: '#238b45',
  file: '#d94801',
  shared: '#cb181d',
  stack: '#525252',
  heap: '#8c6d31',
};

export const COMMITTED_SHADE = 'rgba(0,0,0,0.45)';
export const COMPRESSED_SHADE = 'rgba(0,0,0,0.2)';
