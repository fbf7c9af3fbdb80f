// Command run is `make bench`: it generates the benchmark corpus, then
// measures, in one run and each in its own child process so that peak
// memory is per phase:
//
//   - the bare decode: every file read and every YAML document decoded into
//     map[string]any with go.yaml.in/yaml/v3, sequentially, no checks;
//   - the full scan: `rampart scan -o json CORPUS`, built from this tree.
//
// Each is run several times (-runs, default 3); the table gives the median
// wall time and the largest peak RSS (getrusage ru_maxrss). Timings are
// reported, never asserted: the command fails only on errors.
//
//	go run ./bench/run [-scale N] [-runs N] [-keep DIR]
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"github.com/rampart-k8s/rampart/bench/internal/benchutil"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/rampart-k8s/rampart/bench/gen"
	"go.yaml.in/yaml/v3"
)

// Targets from docs/PERFORMANCE.md.
const (
	targetRatio  = 2.0 // full scan within 2x of the bare decode
	targetRSSMiB = 300 // peak RSS of the full scan
)

func main() {
	scale := flag.Int("scale", gen.DefaultScale, fmt.Sprintf("namespaces to generate (%d objects each)", gen.ObjectsPerNamespace))
	runs := flag.Int("runs", 3, "runs of each measurement (median time, max RSS)")
	keep := flag.String("keep", "", "generate the corpus into this folder and keep it")
	decodeDir := flag.String("decode", "", "internal: run the bare decode of this folder and print what was decoded")
	flag.Parse()

	if *decodeDir != "" {
		docs, size, err := bareDecode(*decodeDir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "decode:", err)
			os.Exit(2)
		}
		fmt.Printf("%d %d\n", docs, size)
		return
	}
	if err := run(*scale, *runs, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// bareDecode is the baseline: read each manifest file and decode each of
// its YAML documents into map[string]any, one after the other.
func bareDecode(dir string) (docs int, size int64, err error) {
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch filepath.Ext(p) {
		case ".yaml", ".yml", ".json":
			if !d.IsDir() {
				files = append(files, p)
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	for _, f := range files {
		data, err := os.ReadFile(f) // #nosec G304 -- benchmark input
		if err != nil {
			return docs, size, err
		}
		size += int64(len(data))
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var m map[string]any
			err := dec.Decode(&m)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return docs, size, fmt.Errorf("%s: %w", f, err)
			}
			if m != nil {
				docs++
			}
		}
	}
	return docs, size, nil
}

func run(scale, runs int, keep string) error {
	if runs < 1 {
		return fmt.Errorf("-runs must be at least 1")
	}
	root, err := benchutil.ModuleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "rampart-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	corpus := filepath.Join(tmp, "corpus")
	if keep != "" {
		corpus = keep
	}
	t0 := time.Now()
	st, err := gen.Generate(corpus, scale)
	if err != nil {
		return fmt.Errorf("generating the corpus: %w", err)
	}
	fmt.Printf("corpus: %d objects in %d files, %.1f MB (%d bytes), scale %d, generated in %s into %s\n",
		st.Objects, st.Files, float64(st.Bytes)/1e6, st.Bytes, scale, time.Since(t0).Round(time.Millisecond), corpus)

	goBin, err := exec.LookPath("go")
	if err != nil {
		return err
	}
	rampart := filepath.Join(tmp, "rampart")
	t0 = time.Now()
	build := exec.Command(goBin, "build", "-o", rampart, "./cmd/rampart") // #nosec G204 -- fixed arguments
	build.Dir = root
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building rampart: %w", err)
	}
	fmt.Printf("built %s in %s\n", rampart, time.Since(t0).Round(time.Millisecond))
	self, err := os.Executable()
	if err != nil {
		return err
	}

	decode := &benchutil.Phase{Name: "bare decode (yaml.v3 -> map)"}
	scanP := &benchutil.Phase{Name: "rampart scan -o json"}
	var findings, scanned int
	// The runs alternate so that any drift of the machine's load touches both.
	for i := 0; i < runs; i++ {
		var out bytes.Buffer
		var errOut bytes.Buffer
		cmd := exec.Command(self, "-decode", corpus) // #nosec G204 -- this program, fixed flags
		cmd.Stdout, cmd.Stderr = &out, &errOut
		s, err := benchutil.Measure(cmd)
		if err != nil || s.Code != 0 {
			return fmt.Errorf("bare decode: exit %d %v: %s", s.Code, err, errOut.String())
		}
		var docs int
		var size int64
		if _, err := fmt.Sscan(out.String(), &docs, &size); err != nil {
			return fmt.Errorf("bare decode output %q: %w", out.String(), err)
		}
		if docs != st.Objects || size != st.Bytes {
			return fmt.Errorf("bare decode read %d documents, %d bytes; want %d, %d", docs, size, st.Objects, st.Bytes)
		}
		decode.Samples = append(decode.Samples, s)

		reportPath := filepath.Join(tmp, "report.json")
		f, err := os.Create(reportPath) // #nosec G304 -- in our temp folder
		if err != nil {
			return err
		}
		errOut.Reset()
		cmd = exec.Command(rampart, "scan", "-o", "json", corpus) // #nosec G204 -- binary we built
		cmd.Stdout, cmd.Stderr = f, &errOut
		s, err = benchutil.Measure(cmd)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		// Exit 1 means findings at or above --fail-on: expected here.
		if err != nil || (s.Code != 0 && s.Code != 1) {
			return fmt.Errorf("rampart scan: exit %d %v: %s", s.Code, err, errOut.String())
		}
		var sum benchutil.Summary
		sum, err = benchutil.ReadSummary(reportPath)
		findings, scanned = sum.Findings, sum.Objects
		if err != nil {
			return err
		}
		if scanned != st.Objects {
			return fmt.Errorf("rampart scanned %d objects; want %d", scanned, st.Objects)
		}
		scanP.Samples = append(scanP.Samples, s)
		fmt.Printf("run %d/%d: decode %s, scan %s\n", i+1, runs, benchutil.S3(decode.Samples[i].Wall), benchutil.S3(s.Wall))
	}

	dWall, dCPU, _ := decode.Median()
	sWall, sCPU, _ := scanP.Median()
	ratio := sWall.Seconds() / dWall.Seconds()
	sRSS := float64(scanP.MaxRSS()) / 1024

	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "\nmachine: %s/%s, %d CPUs (GOMAXPROCS %d), %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Fprintf(w, "corpus:  %d objects, %d files, %.1f MB\n", st.Objects, st.Files, float64(st.Bytes)/1e6)
	fmt.Fprintf(w, "runs:    %d of each (median wall and CPU time, largest peak RSS)\n\n", runs)
	fmt.Fprintf(w, "%-30s %10s %10s %12s\n", "phase", "wall", "cpu", "peak RSS")
	fmt.Fprintf(w, "%-30s %10s %10s %12s\n", strings.Repeat("-", 30), "----------", "----------", "------------")
	for _, p := range []*benchutil.Phase{decode, scanP} {
		wall, cpu, _ := p.Median()
		fmt.Fprintf(w, "%-30s %10s %10s %8.1f MiB\n", p.Name, benchutil.S3(wall), benchutil.S3(cpu), float64(p.MaxRSS())/1024)
	}
	fmt.Fprintf(w, "\nscan/decode wall ratio: %.2fx (CPU ratio %.2fx)\n", ratio, sCPU.Seconds()/dCPU.Seconds())
	fmt.Fprintf(w, "findings: %d on %d objects\n\n", findings, scanned)
	fmt.Fprintf(w, "target: full scan within %.0fx of the bare decode: %s (%.2fx)\n", targetRatio, verdict(ratio <= targetRatio), ratio)
	fmt.Fprintf(w, "target: scan peak RSS under %d MiB:               %s (%.1f MiB)\n", targetRSSMiB, verdict(sRSS < targetRSSMiB), sRSS)
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
