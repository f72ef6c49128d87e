package demo

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// The demo runs tapbot in MSP mode with two customer tenants, each a
// directory of its own in the sandbox (graphtest.DemoCustomer). Their ids
// are made up. Both post their cards in #tap-approvals; contoso is approved
// by the global approvers, fabrikam by Fay alone.
const (
	demoContosoID  = "11111111-1111-1111-1111-111111111111"
	demoFabrikamID = "22222222-2222-2222-2222-222222222222"
)

// demoTenantsFile is the demo's TAPBOT_TENANTS_FILE.
var demoTenantsFile = fmt.Sprintf(`tenants:
  - name: contoso
    id: %s
    domains: [contoso.com, contoso.onmicrosoft.com]
  - name: fabrikam
    id: %s
    domains: [fabrikam.com]
    approvers: [%s]
`, demoContosoID, demoFabrikamID, demoFay.id)

// writeTenantsFile writes demoTenantsFile into dir and returns its path.
func writeTenantsFile(dir string) (string, error) {
	path := filepath.Join(dir, "tenants.yaml")
	if err := os.WriteFile(path, []byte(demoTenantsFile), 0o600); err != nil {
		return "", fmt.Errorf("write the demo's tenants file: %w", err)
	}
	return path, nil
}

// customer is the sandbox directory of the customer tenant id.
// graphtest.Server.AddTenant returns the tenant tapbot added at start.
func (w *demoWorld) customer(id string) *graphtest.Tenant {
	return w.app.Sandbox().AddTenant(id, "")
}

// passesIn checks that the passes issued so far are where the script put
// them: want[id] in the customer tenant id, and none in the sandbox's home
// tenant. It returns an error naming the tenant that differs.
func (w *demoWorld) passesIn(want map[string]int) error {
	if n := len(w.app.Sandbox().Issued()); n != 0 {
		return fmt.Errorf("%d passes were created in the sandbox's home tenant, want none", n)
	}
	for _, id := range []string{demoContosoID, demoFabrikamID} {
		if n := len(w.customer(id).Issued()); n != want[id] {
			return fmt.Errorf("%d passes were created in tenant %s, want %d", n, id, want[id])
		}
	}
	return nil
}
