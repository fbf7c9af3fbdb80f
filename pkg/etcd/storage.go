package etcd

import (
	"bytes"
	"strings"
)

// Providers of encryption at rest, as named in an EncryptionConfiguration.
const (
	ProviderIdentity  = "identity"
	ProviderAESCBC    = "aescbc"
	ProviderAESGCM    = "aesgcm"
	ProviderSecretbox = "secretbox"
	ProviderKMS       = "kms"
	// ProviderUnknown is a value that starts with the encryption marker
	// but names no provider this version of rampart knows.
	ProviderUnknown = "unknown"
	// ProviderKeyOnly is a key name alone, as the API server's metrics
	// record the keys of the AES and secretbox providers.
	ProviderKeyOnly = "key"
)

// Formats of values stored without encryption.
const (
	FormatProtobuf = "protobuf" // built-in kinds: the magic k8s\x00
	FormatJSON     = "json"     // custom resources, and kinds stored as JSON
	FormatCBOR     = "cbor"     // custom resources with the CBOR serializer
	FormatEmpty    = "empty"
	FormatOther    = "unrecognised"
)

// encPrefix starts every value an encrypting provider wrote
// (k8s.io/apiserver/pkg/server/options/encryptionconfig).
const encPrefix = "k8s:enc:"

// PrefixBytes is how much of each stored value rampart reads into its
// classification: the longest prefix is k8s:enc:<provider>:v<N>:<key
// name>:, and key names are short. The rest of a value is never kept.
const PrefixBytes = 256

var (
	protobufMagic = []byte("k8s\x00")
	cborMagic     = []byte{0xd9, 0xd9, 0xf7} // self-described CBOR (RFC 8949 §3.4.6)
)

// Storage is how one value is stored in etcd, judged from its first
// bytes alone.
type Storage struct {
	// Provider is identity (not encrypted), aescbc, aesgcm, secretbox,
	// kms, or unknown.
	Provider string `json:"provider"`
	// Version is the prefix's version (v1; kms also v2); empty for identity.
	Version string `json:"version,omitempty"`
	// Key is the key name (aescbc, aesgcm, secretbox) or the KMS
	// provider's name.
	Key string `json:"key,omitempty"`
	// Format is the serialization of a value that is not encrypted.
	Format string `json:"format,omitempty"`
	// Truncated says the prefix did not end within the bytes read (a key
	// name longer than PrefixBytes, or a damaged value): Key is partial.
	Truncated bool `json:"truncated,omitempty"`
}

// Encrypted says the value is not stored in plain text.
func (s Storage) Encrypted() bool { return s.Provider != ProviderIdentity }

// Prefix is the value prefix this storage writes, k8s:enc:aescbc:v1:key1:
// for instance, or "" for identity.
func (s Storage) Prefix() string {
	if !s.Encrypted() {
		return ""
	}
	return encPrefix + s.Provider + ":" + s.Version + ":" + s.Key + ":"
}

// String names the storage for people: "identity (protobuf)",
// "aescbc key1", "kms v2 corp-kms".
func (s Storage) String() string {
	switch s.Provider {
	case ProviderIdentity:
		if s.Format == "" {
			return "identity"
		}
		return "identity (" + s.Format + ")"
	case ProviderKMS:
		return strings.TrimSpace("kms " + s.Version + " " + s.Key)
	case ProviderUnknown:
		return strings.TrimSpace("unknown provider " + s.Key)
	}
	t := strings.TrimSpace(s.Provider + " " + s.Key)
	if s.Truncated {
		t += "..."
	}
	return t
}

// Classify tells how a stored value is encrypted from its first bytes
// (at least PrefixBytes of it, or all of a shorter value). It never
// fails: values it cannot place are identity with format unrecognised, or
// provider unknown. knownKeys, when given, are key (or KMS provider)
// names from the EncryptionConfiguration by "provider:version": key names
// may hold ':', so a known name that fits the value wins over the cut at
// the first ':'.
func Classify(value []byte, knownKeys map[string][]string) Storage {
	if !bytes.HasPrefix(value, []byte(encPrefix)) {
		return Storage{Provider: ProviderIdentity, Format: plainFormat(value)}
	}
	rest := value[len(encPrefix):]
	provider, rest, ok := cut(rest)
	if !ok {
		return Storage{Provider: ProviderUnknown, Key: printable(provider), Truncated: true}
	}
	version, rest, ok := cut(rest)
	if !ok {
		return Storage{Provider: ProviderUnknown, Key: printable(provider) + ":" + printable(version), Truncated: true}
	}
	p, v := string(provider), string(version)
	switch {
	case (p == ProviderAESCBC || p == ProviderAESGCM || p == ProviderSecretbox) && v == "v1":
	case p == ProviderKMS && (v == "v1" || v == "v2"):
	default:
		return Storage{Provider: ProviderUnknown, Key: printable(provider) + ":" + printable(version)}
	}
	s := Storage{Provider: p, Version: v}
	best := -1
	for _, name := range knownKeys[p+":"+v] {
		if len(name) > best && bytes.HasPrefix(rest, []byte(name+":")) {
			s.Key, best = name, len(name)
		}
	}
	if best >= 0 {
		return s
	}
	key, _, ok := cut(rest)
	s.Key, s.Truncated = printable(key), !ok
	return s
}

// cut splits b at its first ':'; ok is false when there is none.
func cut(b []byte) (before, after []byte, ok bool) {
	i := bytes.IndexByte(b, ':')
	if i < 0 {
		return b, nil, false
	}
	return b[:i], b[i+1:], true
}

func plainFormat(v []byte) string {
	switch {
	case len(v) == 0:
		return FormatEmpty
	case bytes.HasPrefix(v, protobufMagic):
		return FormatProtobuf
	case bytes.HasPrefix(v, cborMagic):
		return FormatCBOR
	}
	if t := bytes.TrimLeft(v, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return FormatJSON
	}
	return FormatOther
}

// printable keeps a name from a value safe to print: printable ASCII
// only (anything else is shown as '?'), at most 64 characters. Key names
// are not secret; the bytes after them are, and never reach this.
func printable(b []byte) string {
	const limit = 64
	var sb strings.Builder
	for i, c := range b {
		if i == limit {
			sb.WriteString("...")
			break
		}
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		sb.WriteByte(c)
	}
	return sb.String()
}
