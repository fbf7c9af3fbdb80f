package etcd

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClassify(t *testing.T) {
	long := strings.Repeat("k", PrefixBytes)
	cases := []struct {
		name  string
		value string
		known map[string][]string
		want  Storage
	}{
		{"protobuf", "k8s\x00\n\x0c\n\x02v1\x12\x06Secret", nil, Storage{Provider: ProviderIdentity, Format: FormatProtobuf}},
		{"json custom resource", `{"apiVersion":"example.com/v1","kind":"Widget"}`, nil, Storage{Provider: ProviderIdentity, Format: FormatJSON}},
		{"json after whitespace", "\n  {\"kind\":\"x\"}", nil, Storage{Provider: ProviderIdentity, Format: FormatJSON}},
		{"cbor", "\xd9\xd9\xf7\xa1", nil, Storage{Provider: ProviderIdentity, Format: FormatCBOR}},
		{"empty", "", nil, Storage{Provider: ProviderIdentity, Format: FormatEmpty}},
		{"protobuf magic cut short", "k8s", nil, Storage{Provider: ProviderIdentity, Format: FormatOther}},
		{"garbage", "\x00\x01\x02", nil, Storage{Provider: ProviderIdentity, Format: FormatOther}},
		{"aescbc", "k8s:enc:aescbc:v1:key1:\x8a\x00:\xff", nil, Storage{Provider: ProviderAESCBC, Version: "v1", Key: "key1"}},
		{"aesgcm", "k8s:enc:aesgcm:v1:2024-q1:\x01\x02", nil, Storage{Provider: ProviderAESGCM, Version: "v1", Key: "2024-q1"}},
		{"secretbox", "k8s:enc:secretbox:v1:sb:nonce", nil, Storage{Provider: ProviderSecretbox, Version: "v1", Key: "sb"}},
		{"kms v1", "k8s:enc:kms:v1:vault:\x00\x20dek", nil, Storage{Provider: ProviderKMS, Version: "v1", Key: "vault"}},
		{"kms v2", "k8s:enc:kms:v2:corp-kms:\n\x10", nil, Storage{Provider: ProviderKMS, Version: "v2", Key: "corp-kms"}},
		{"empty key name", "k8s:enc:aescbc:v1::\x01", nil, Storage{Provider: ProviderAESCBC, Version: "v1", Key: ""}},
		{"key name with a colon, unknown", "k8s:enc:aescbc:v1:a:b:\x01", nil, Storage{Provider: ProviderAESCBC, Version: "v1", Key: "a"}},
		{"key name with a colon, known", "k8s:enc:aescbc:v1:a:b:\x01", map[string][]string{"aescbc:v1": {"a", "a:b"}}, Storage{Provider: ProviderAESCBC, Version: "v1", Key: "a:b"}},
		{"known key of another provider", "k8s:enc:aesgcm:v1:x:y:", map[string][]string{"aescbc:v1": {"x:y"}}, Storage{Provider: ProviderAESGCM, Version: "v1", Key: "x"}},
		{"no colon after key", "k8s:enc:secretbox:v1:abc", nil, Storage{Provider: ProviderSecretbox, Version: "v1", Key: "abc", Truncated: true}},
		{"key longer than read", "k8s:enc:aescbc:v1:" + long, nil, Storage{Provider: ProviderAESCBC, Version: "v1", Key: strings.Repeat("k", 64) + "...", Truncated: true}},
		{"binary key name", "k8s:enc:aescbc:v1:\x00\xffk:", nil, Storage{Provider: ProviderAESCBC, Version: "v1", Key: "??k"}},
		{"marker alone", "k8s:enc:", nil, Storage{Provider: ProviderUnknown, Key: "", Truncated: true}},
		{"provider only", "k8s:enc:aescbc", nil, Storage{Provider: ProviderUnknown, Key: "aescbc", Truncated: true}},
		{"no version colon", "k8s:enc:aescbc:v1", nil, Storage{Provider: ProviderUnknown, Key: "aescbc:v1", Truncated: true}},
		{"unknown provider", "k8s:enc:rot13:v1:k:", nil, Storage{Provider: ProviderUnknown, Key: "rot13:v1"}},
		{"unknown version", "k8s:enc:aescbc:v2:k:", nil, Storage{Provider: ProviderUnknown, Key: "aescbc:v2"}},
		{"kms v3", "k8s:enc:kms:v3:k:", nil, Storage{Provider: ProviderUnknown, Key: "kms:v3"}},
		{"upper case marker is plain", "K8S:ENC:aescbc:v1:k:", nil, Storage{Provider: ProviderIdentity, Format: FormatOther}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify([]byte(tc.value), tc.known)
			if got != tc.want {
				t.Errorf("Classify(%q) = %+v, want %+v", tc.value, got, tc.want)
			}
		})
	}
}

func TestStoragePrefixAndString(t *testing.T) {
	for _, tc := range []struct {
		s              Storage
		prefix, String string
	}{
		{Storage{Provider: ProviderIdentity, Format: FormatProtobuf}, "", "identity (protobuf)"},
		{Storage{Provider: ProviderAESCBC, Version: "v1", Key: "k1"}, "k8s:enc:aescbc:v1:k1:", "aescbc k1"},
		{Storage{Provider: ProviderKMS, Version: "v2", Key: "corp"}, "k8s:enc:kms:v2:corp:", "kms v2 corp"},
	} {
		if got := tc.s.Prefix(); got != tc.prefix {
			t.Errorf("%+v.Prefix() = %q, want %q", tc.s, got, tc.prefix)
		}
		if got := tc.s.String(); got != tc.String {
			t.Errorf("%+v.String() = %q, want %q", tc.s, got, tc.String)
		}
		if tc.s.Encrypted() {
			if back := Classify([]byte(tc.s.Prefix()+"\x00ciphertext"), nil); !sameStorage(back, tc.s) {
				t.Errorf("Classify(Prefix()) = %+v, want %+v", back, tc.s)
			}
		}
	}
}

// FuzzClassify: any bytes classify without a panic, into a known provider,
// with a printable key that the value really starts with (for encrypted
// values whose key is complete).
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"", "k8s\x00", "{}", "k8s:enc:", "k8s:enc:aescbc:v1:k:", "k8s:enc:kms:v2:a:b:", "k8s:enc:secretbox:v1:",
		"k8s:enc:aesgcm:v1:\xff\xfe:", "k8s:enc:kms:v1", "\xd9\xd9\xf7"} {
		f.Add([]byte(s), "k")
	}
	f.Fuzz(func(t *testing.T, value []byte, known string) {
		s := Classify(value, map[string][]string{"aescbc:v1": {known}, "kms:v2": {known}})
		switch s.Provider {
		case ProviderIdentity, ProviderAESCBC, ProviderAESGCM, ProviderSecretbox, ProviderKMS, ProviderUnknown:
		default:
			t.Fatalf("provider %q", s.Provider)
		}
		if s.Encrypted() != bytes.HasPrefix(value, []byte(encPrefix)) {
			t.Fatalf("Encrypted() = %v for %q", s.Encrypted(), value)
		}
		if s.Provider != ProviderIdentity && s.Provider != ProviderUnknown && !s.Truncated {
			if !bytes.HasPrefix(value, []byte(s.Prefix())) && s.Key != known {
				// A printable-sanitised key differs from raw bytes only
				// where the raw bytes were not printable, or where a long
				// name was cut at 64 characters ("...").
				if utf8.ValidString(s.Key) && !strings.Contains(s.Key, "?") && !strings.HasSuffix(s.Key, "...") {
					t.Fatalf("%q does not start with %q", value, s.Prefix())
				}
			}
		}
		_ = s.String()
	})
}
