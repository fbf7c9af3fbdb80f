package gen

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestGenerate(t *testing.T) {
	const scale = 3
	dir := t.TempDir()
	st, err := Generate(dir, scale)
	if err != nil {
		t.Fatal(err)
	}
	if want := scale * (1 + DeploymentsPerNS + ServicesPerNS + ServiceAccountsPerNS + RolesPerNS + RoleBindingsPerNS + NetworkPoliciesPerNS); st.Objects != want || ExpectedObjects(scale) != want {
		t.Errorf("Objects = %d, ExpectedObjects = %d; want %d", st.Objects, ExpectedObjects(scale), want)
	}
	if st.Files != scale {
		t.Errorf("Files = %d, want %d", st.Files, scale)
	}
	wantKinds := map[string]int{
		"Namespace": scale, "Deployment": scale * DeploymentsPerNS, "Service": scale * ServicesPerNS,
		"ServiceAccount": scale * ServiceAccountsPerNS, "Role": scale * RolesPerNS,
		"RoleBinding": scale * RoleBindingsPerNS, "NetworkPolicy": scale * NetworkPoliciesPerNS,
	}

	// Every document parses, is a Kubernetes object, and the files hold
	// exactly what Stats says.
	kinds := map[string]int{}
	names := map[string]bool{}
	var docs int
	var size int64
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		size += int64(len(data))
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for i := 0; ; i++ {
			var m map[string]any
			err := dec.Decode(&m)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: document %d: %v", p, i, err)
			}
			docs++
			api, _ := m["apiVersion"].(string)
			kind, _ := m["kind"].(string)
			md, _ := m["metadata"].(map[string]any)
			name, _ := md["name"].(string)
			if api == "" || kind == "" || name == "" {
				t.Errorf("%s: document %d lacks apiVersion, kind or metadata.name: %v", p, i, m)
				continue
			}
			ns, _ := md["namespace"].(string)
			key := kind + "/" + ns + "/" + name
			if names[key] {
				t.Errorf("%s: duplicate object %s", p, key)
			}
			names[key] = true
			kinds[kind]++
			if kind == "Deployment" {
				spec, _ := m["spec"].(map[string]any)
				tmpl, _ := spec["template"].(map[string]any)
				pod, _ := tmpl["spec"].(map[string]any)
				if cs, _ := pod["containers"].([]any); len(cs) != 2 {
					t.Errorf("%s: Deployment %s has %d containers, want 2", p, name, len(cs))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if docs != st.Objects {
		t.Errorf("decoded %d documents, Stats.Objects = %d", docs, st.Objects)
	}
	if size != st.Bytes {
		t.Errorf("read %d bytes, Stats.Bytes = %d", size, st.Bytes)
	}
	for k, n := range wantKinds {
		if kinds[k] != n || st.Kinds[k] != n {
			t.Errorf("%s: decoded %d, Stats.Kinds %d; want %d", k, kinds[k], st.Kinds[k], n)
		}
	}
	if len(kinds) != len(wantKinds) {
		t.Errorf("kinds = %v, want %v", kinds, wantKinds)
	}
}

// The corpus depends only on the scale.
func TestGenerateDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if _, err := Generate(a, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(b, 2); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"team-00/ns-0000.yaml", "team-00/ns-0001.yaml"} {
		x, err := os.ReadFile(filepath.Join(a, rel))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", rel)
		}
	}
}

func TestDefaultScale(t *testing.T) {
	if n := ExpectedObjects(DefaultScale); n < 20000 {
		t.Errorf("default scale gives %d objects, want at least 20,000", n)
	}
	if _, err := Generate(t.TempDir(), 0); err == nil {
		t.Error("scale 0: no error")
	}
}
