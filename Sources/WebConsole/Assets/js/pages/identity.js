// The identity pages: signing in, tenants, users, roles, invitations, API keys and the profile.
// Each module registers its own routes with the router when imported.

import './login.js';
import './tenant-picker.js';
import './users.js';
import './user-detail.js';
import './roles.js';
import './role-detail.js';
import './invitations.js';
import './invitation-accept.js';
import './api-keys.js';
import './profile.js';
