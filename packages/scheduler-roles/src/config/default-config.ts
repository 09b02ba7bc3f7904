import { parseRoleConfig } from './parse.js';
import type { RoleConfig } from './role-config.js';

/**
 * The default role configuration, as a `.profiles` document (what a product without its own files gets).
 * @public
 */
export const DEFAULT_ROLE_PROFILES = `// memsim default roles (builtin scope).
{
  "scope": "builtin",
  "profiles": {
    // Thread roles: a fair-share priority or a deadline reservation.
    "fuchsia.default": { "priority": 16 },
    "fuchsia.starnix.fair.16": { "priority": 16 },
    "fuchsia.media.audio.core.mixer": { "capacity": "4400us", "deadline": "10ms", "period": "10ms" },
  },
  "memory": {
    // Memory roles, applied to VMARs: 16 is DEFAULT, 24 is HIGH (no reclamation).
    "fuchsia.default": { "priority": 16 },
    "fuchsia.starnix.pinned_memory": { "priority": 24 },
    "fuchsia.starnix.mlock": { "priority": 24 },
  },
}
`;

/**
 * Parses {@link DEFAULT_ROLE_PROFILES} (a new immutable configuration each call).
 * @public
 */
export function defaultRoleConfig(): RoleConfig {
  return parseRoleConfig(DEFAULT_ROLE_PROFILES, 'builtin:default.profiles');
}
