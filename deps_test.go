package novatalks_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyRule keeps the layout honest: the domain imports nothing of
// the module, and no adapter imports a sibling adapter; only cmd/ and
// internal/app wire pieces together. The public client sdk imports nothing
// of the module (not even the domain) and no module but its WebSocket
// library, so that apps importing it get nothing of the server. The examples
// are built on the public client alone, as an app would be.
func TestDependencyRule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const module = "github.com/novatalks/novatalks"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	adapters := map[string]bool{"sqlite": true, "httpapi": true, "hub": true, "nats": true, "postgres": true, "delivery": true, "blob": true, "media": true, "sdk": true, "web": true}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		for _, imp := range imports {
			if rel == "sdk" && strings.Contains(strings.Split(imp, "/")[0], ".") && imp != "github.com/coder/websocket" {
				t.Errorf("the public client sdk imports %s: it may use only the standard library and github.com/coder/websocket", imp)
			}
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(imp, module+"/")
			switch {
			case strings.HasPrefix(rel, "examples/") && dep != "sdk":
				t.Errorf("the example %s imports %s: examples may use only the public client sdk", rel, imp)
			case pkg == module:
				t.Errorf("the domain package imports %s", imp)
			case adapters[rel] && adapters[strings.Split(dep, "/")[0]]:
				t.Errorf("adapter %s imports sibling adapter %s", rel, dep)
			}
		}
	}
}
