package layers

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/rapportkit/rapport"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, errb.String())
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(&out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")] = p
	}
	return pkgs
}

func under(path, prefix string) bool { return path == prefix || strings.HasPrefix(path, prefix+"/") }

// local returns the project packages p imports directly, relative to the module.
func local(p pkg) []string {
	var out []string
	for _, imp := range p.Imports {
		if imp == module || strings.HasPrefix(imp, module+"/") {
			out = append(out, strings.TrimPrefix(strings.TrimPrefix(imp, module), "/"))
		}
	}
	return out
}

func TestImportsPointDown(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for path, p := range pkgs {
		for _, imp := range local(p) {
			switch {
			case under(imp, "examples"):
				t.Errorf("%s imports %s: nothing imports examples", path, imp)
			case under(path, "providers/") && !under(path, "providers/providertest") && imp != "providers" && imp != "internal/transport" && !under(imp, path):
				t.Errorf("adapter %s imports %s: adapters import only providers and internal/transport", path, imp)
			case (under(path, "audience") || under(path, "analytics")) && (under(imp, "engage") || under(imp, "campaign") || under(imp, "store") || under(imp, "worker")):
				t.Errorf("%s imports %s: audience and analytics are pure logic below the workflows", path, imp)
			case (under(path, "audience") || under(path, "analytics") || under(path, "engage") || under(path, "campaign") || under(path, "providers")) && (under(imp, "store") || under(imp, "worker")):
				t.Errorf("%s imports %s: domain packages never import store or worker", path, imp)
			case under(path, "store") && under(imp, "worker"):
				t.Errorf("%s imports %s: store sits below worker", path, imp)
			case under(path, "engage") && under(imp, "campaign"), under(path, "campaign") && under(imp, "engage"):
				t.Errorf("%s imports %s: the workflow packages are independent", path, imp)
			}
		}
	}
}

// TestCorePackagesStayLean checks that a program importing an adapter or a
// domain package compiles no SQL driver and no job engine.
func TestCorePackagesStayLean(t *testing.T) {
	pkgs := listPackages(t)
	heavy := []string{"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/riverqueue/river", "database/sql"}
	for path, p := range pkgs {
		if !(under(path, "providers") || under(path, "audience") || under(path, "analytics") || under(path, "campaign") || under(path, "engage") || under(path, "internal/transport")) {
			continue
		}
		for _, d := range p.Deps {
			for _, h := range heavy {
				if d == h || strings.HasPrefix(d, h+"/") {
					t.Errorf("%s compiles %s", path, d)
				}
			}
		}
	}
}
