package controlplane

import (
	"reflect"
	"strings"
	"testing"
)

type flagWant struct{ name, value string }

func flagsOf(a *Args) []flagWant {
	var out []flagWant
	for _, o := range a.Flags {
		out = append(out, flagWant{o.Name, o.Value})
	}
	return out
}

// TestParseArgs: the edge cases of the two parsers the components use.
func TestParseArgs(t *testing.T) {
	api, etcd := Spec(APIServer), Spec(Etcd)
	cases := []struct {
		name       string
		spec       FlagSpec
		argv       string // split on spaces; "·" stands for an empty argument
		want       []flagWant
		positional []string
		errors     int
	}{
		{"equals", api, "kube-apiserver --profiling=false --secure-port=6443", []flagWant{{"profiling", "false"}, {"secure-port", "6443"}}, nil, 0},
		{"separate value", api, "kube-apiserver --secure-port 6443 --etcd-servers https://a:2379", []flagWant{{"secure-port", "6443"}, {"etcd-servers", "https://a:2379"}}, nil, 0},
		{"bare boolean is true", api, "kube-apiserver --profiling --secure-port 1", []flagWant{{"profiling", "true"}, {"secure-port", "1"}}, nil, 0},
		{"a boolean never takes the next argument", api, "kube-apiserver --profiling false", []flagWant{{"profiling", "true"}}, []string{"false"}, 0},
		{"boolean spellings", api, "kube-apiserver --profiling=0 --anonymous-auth=F --service-account-lookup=TRUE", []flagWant{{"profiling", "0"}, {"anonymous-auth", "F"}, {"service-account-lookup", "TRUE"}}, nil, 0},
		{"invalid boolean is refused", api, "kube-apiserver --profiling=nope", nil, nil, 1},
		{"underscores normalise", api, "kube-apiserver --anonymous_auth=false", []flagWant{{"anonymous-auth", "false"}}, nil, 0},
		{"repeated list flags", api, "kube-apiserver --enable-admission-plugins=A,B --enable-admission-plugins=C", []flagWant{{"enable-admission-plugins", "A,B"}, {"enable-admission-plugins", "C"}}, nil, 0},
		{"negative value after a flag", Spec(Kubelet), "kubelet --pod-max-pids -1", []flagWant{{"pod-max-pids", "-1"}}, nil, 0},
		{"shorthand -v forms", api, "kube-apiserver -v=2 -v3 -v 4 --profiling=false", []flagWant{{"v", "2"}, {"v", "3"}, {"v", "4"}, {"profiling", "false"}}, nil, 0},
		{"unknown shorthand is refused, the rest parsed", api, "kube-apiserver -x --profiling=false", []flagWant{{"profiling", "false"}}, nil, 1},
		{"single-dash long flag is shorthands to pflag", api, "kube-apiserver -profiling=false", nil, nil, 1},
		{"double dash ends flags", api, "kube-apiserver --profiling=false -- --anonymous-auth=true", []flagWant{{"profiling", "false"}}, []string{"--anonymous-auth=true"}, 0},
		{"pflag goes on after a positional", api, "kube-apiserver stray --profiling=false", []flagWant{{"profiling", "false"}}, []string{"stray"}, 0},
		{"empty value", api, "kube-apiserver --enable-admission-plugins=", []flagWant{{"enable-admission-plugins", ""}}, nil, 0},
		{"unknown flag before another flag reads as a boolean", api, "kube-apiserver --some-new-bool --profiling=false", []flagWant{{"some-new-bool", "true"}, {"profiling", "false"}}, nil, 0},
		{"bad syntax", api, "kube-apiserver --=x ---x", nil, nil, 2},
		{"lone dash and empty are positional", api, "kube-apiserver - ·", nil, []string{"-", ""}, 0},
		{"flag needing a value at the end", api, "kube-apiserver --secure-port", []flagWant{{"secure-port", "true"}}, nil, 0},
		{"etcd: single or double dash", etcd, "etcd -client-cert-auth --cert-file=/c -key-file /k", []flagWant{{"client-cert-auth", "true"}, {"cert-file", "/c"}, {"key-file", "/k"}}, nil, 0},
		{"etcd: a boolean never takes the next argument, and parsing stops", etcd, "etcd --client-cert-auth false --cert-file=/c", []flagWant{{"client-cert-auth", "true"}}, []string{"false", "--cert-file=/c"}, 1},
		{"etcd: a value may start with a dash", etcd, "etcd --name --weird", []flagWant{{"name", "--weird"}}, nil, 0},
		{"etcd: an unknown boolean does not hide a known one", etcd, "etcd --experimental-initial-corrupt-check --client-cert-auth=true",
			[]flagWant{{"experimental-initial-corrupt-check", "true"}, {"client-cert-auth", "true"}}, nil, 1},
		{"etcd: no normalisation", etcd, "etcd --client_cert_auth=true", []flagWant{{"client_cert_auth", "true"}}, nil, 0},
		{"etcd: needs an argument", etcd, "etcd --cert-file", nil, nil, 1},
		{"etcd: ignored flags take any value", etcd, "etcd --v=whatever", []flagWant{{"v", "whatever"}}, nil, 0},
		{"etcd: double dash ends", etcd, "etcd -- --auto-tls", nil, []string{"--auto-tls"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			argv := strings.Split(c.argv, " ")
			for i := range argv {
				if argv[i] == "·" {
					argv[i] = ""
				}
			}
			a := ParseArgs(argv, c.spec)
			if got := flagsOf(a); !reflect.DeepEqual(got, c.want) {
				t.Errorf("flags %v, want %v", got, c.want)
			}
			if !reflect.DeepEqual(a.Positional, c.positional) {
				t.Errorf("positional %q, want %q", a.Positional, c.positional)
			}
			if len(a.Errors) != c.errors {
				t.Errorf("errors %q, want %d", a.Errors, c.errors)
			}
		})
	}
}

func TestSplitListAndGates(t *testing.T) {
	for in, want := range map[string][]string{
		"A,B":          {"A", "B"},
		" Node, RBAC ": {"Node", "RBAC"},
		`"a,b",c`:      {"a,b", "c"},
		"":             nil,
		"A,,B":         {"A", "B"},
	} {
		if got := SplitList(in); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("SplitList(%q) = %q, want %q", in, got, want)
		}
	}
	g, errs := ParseMapBool("A=true, B=false,C,D=maybe")
	if !reflect.DeepEqual(g, map[string]bool{"A": true, "B": false}) || len(errs) != 2 {
		t.Errorf("ParseMapBool: %v %v", g, errs)
	}
}

func TestIdentify(t *testing.T) {
	for _, c := range []struct {
		argv string
		kind Kind
		ok   bool
		args int
	}{
		{"/usr/local/bin/kube-apiserver --x=1", APIServer, true, 2},
		{"etcd --name a", Etcd, true, 3},
		{"/usr/bin/etcdctl get", "", false, 0},
		{"/hyperkube apiserver --x=1", APIServer, true, 2},
		{"/hyperkube kubelet --x=1", Kubelet, true, 2},
		{"/hyperkube nope", "", false, 0},
		{"/bin/sh -c kube-apiserver", "", false, 0},
	} {
		k, argv, ok := Identify(strings.Fields(c.argv))
		if k != c.kind || ok != c.ok || len(argv) != c.args {
			t.Errorf("Identify(%q) = %q %v %d args", c.argv, k, ok, len(argv))
		}
	}
	for img, want := range map[string]Kind{
		"registry.k8s.io/kube-apiserver:v1.37.2":        APIServer,
		"k8s.gcr.io/kube-proxy-amd64:v1.20@sha256:abcd": Proxy,
		"registry.k8s.io/etcd:3.6.4-0":                  Etcd,
		"localhost:5000/kube-scheduler":                 Scheduler,
		"nginx:1.27":                                    "",
	} {
		if k, _ := imageKind(img); k != want {
			t.Errorf("imageKind(%q) = %q, want %q", img, k, want)
		}
	}
}

// FuzzParseArgs: no command line makes the parser panic, and what it
// returns points inside the command line.
func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{"kube-apiserver --a=b --c d -v2 -- e", "etcd -x --y=z w", "kubelet --config", "x\x00--=\x00-", "kube-apiserver -vh -v"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		argv := strings.Split(s, "\x00")
		for _, k := range Kinds {
			a := ParseArgs(argv, Spec(k))
			for _, o := range a.Flags {
				if o.Name == "" || o.Index <= 0 || o.Index >= len(argv) || o.ValueIndex < o.Index || o.ValueIndex >= len(argv) {
					t.Fatalf("%s: occurrence %+v out of %q", k, o, argv)
				}
			}
			for _, o := range a.Flags {
				a.All(o.Name)
				SplitList(o.Value)
				ParseMapBool(o.Value)
			}
		}
	})
}
