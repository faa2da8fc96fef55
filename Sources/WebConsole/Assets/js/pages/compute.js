// Compute aggregator: the shell's app.js imports this one module; each import below
// registers its pages with the router as a side effect. Order matters for routes that
// share a prefix: `/vms/new` is registered before `/vms/:id` so "new" is never read as an id.
import './vm-list.js';
import './vm-create.js';
import './vm-detail.js';
import './audit.js';
import './admin-tenants.js';
import './admin-hosts.js';
import './admin-templates.js';
import './admin-quotas.js';
