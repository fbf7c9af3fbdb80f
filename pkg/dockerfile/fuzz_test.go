package dockerfile

import "testing"

// FuzzParse: any input gives a File or an error, never a panic, and a
// File always has a stage.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"FROM alpine\nUSER 1000\n",
		"ARG B=alpine\nFROM ${B:-x} AS a\nFROM a\nRUN <<EOF\ncurl x | sh\nEOF\n",
		"FROM scratch\nENV A=1 B=\"2\"\nARG C\nADD --checksum=sha256:00 https://x/y /z\n",
		"# escape=`\nFROM windows\nRUN dir `\n  c:\\\n",
		"FROM $X:$Y@$Z\nONBUILD RUN x\nHEALTHCHECK CMD true\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		df, err := Parse("Dockerfile", data)
		if err == nil && len(df.Stages) == 0 {
			t.Fatal("a parsed Dockerfile without stages")
		}
		if err == nil {
			for _, s := range df.Stages {
				_ = df.Chain(s)
			}
		}
	})
}
