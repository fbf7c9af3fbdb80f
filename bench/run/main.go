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
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
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

// sample is one measured child process.
type sample struct {
	wall   time.Duration
	cpu    time.Duration // user + system
	rssKiB int64
	code   int
}

func measure(cmd *exec.Cmd) (sample, error) {
	start := time.Now()
	err := cmd.Run()
	s := sample{wall: time.Since(start)}
	if cmd.ProcessState == nil {
		return s, err
	}
	s.code = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.rssKiB = int64(ru.Maxrss) // KiB on Linux
	}
	s.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		err = nil // the caller judges the exit code
	}
	return s, err
}

// phase collects the samples of one measurement.
type phase struct {
	name    string
	samples []sample
}

func (p *phase) median() (wall, cpu time.Duration) {
	w := make([]time.Duration, len(p.samples))
	c := make([]time.Duration, len(p.samples))
	for i, s := range p.samples {
		w[i], c[i] = s.wall, s.cpu
	}
	slices.Sort(w)
	slices.Sort(c)
	return w[len(w)/2], c[len(c)/2]
}

func (p *phase) maxRSS() int64 {
	var m int64
	for _, s := range p.samples {
		m = max(m, s.rssKiB)
	}
	return m
}

func run(scale, runs int, keep string) error {
	if runs < 1 {
		return fmt.Errorf("-runs must be at least 1")
	}
	root, err := moduleRoot()
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

	decode := &phase{name: "bare decode (yaml.v3 -> map)"}
	scanP := &phase{name: "rampart scan -o json"}
	var findings, scanned int
	// The runs alternate so that any drift of the machine's load touches both.
	for i := 0; i < runs; i++ {
		var out bytes.Buffer
		var errOut bytes.Buffer
		cmd := exec.Command(self, "-decode", corpus) // #nosec G204 -- this program, fixed flags
		cmd.Stdout, cmd.Stderr = &out, &errOut
		s, err := measure(cmd)
		if err != nil || s.code != 0 {
			return fmt.Errorf("bare decode: exit %d %v: %s", s.code, err, errOut.String())
		}
		var docs int
		var size int64
		if _, err := fmt.Sscan(out.String(), &docs, &size); err != nil {
			return fmt.Errorf("bare decode output %q: %w", out.String(), err)
		}
		if docs != st.Objects || size != st.Bytes {
			return fmt.Errorf("bare decode read %d documents, %d bytes; want %d, %d", docs, size, st.Objects, st.Bytes)
		}
		decode.samples = append(decode.samples, s)

		reportPath := filepath.Join(tmp, "report.json")
		f, err := os.Create(reportPath) // #nosec G304 -- in our temp folder
		if err != nil {
			return err
		}
		errOut.Reset()
		cmd = exec.Command(rampart, "scan", "-o", "json", corpus) // #nosec G204 -- binary we built
		cmd.Stdout, cmd.Stderr = f, &errOut
		s, err = measure(cmd)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		// Exit 1 means findings at or above --fail-on: expected here.
		if err != nil || (s.code != 0 && s.code != 1) {
			return fmt.Errorf("rampart scan: exit %d %v: %s", s.code, err, errOut.String())
		}
		findings, scanned, err = readSummary(reportPath)
		if err != nil {
			return err
		}
		if scanned != st.Objects {
			return fmt.Errorf("rampart scanned %d objects; want %d", scanned, st.Objects)
		}
		scanP.samples = append(scanP.samples, s)
		fmt.Printf("run %d/%d: decode %s, scan %s\n", i+1, runs, s2(decode.samples[i].wall), s2(s.wall))
	}

	dWall, dCPU := decode.median()
	sWall, sCPU := scanP.median()
	ratio := sWall.Seconds() / dWall.Seconds()
	sRSS := float64(scanP.maxRSS()) / 1024

	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "\nmachine: %s/%s, %d CPUs (GOMAXPROCS %d), %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Fprintf(w, "corpus:  %d objects, %d files, %.1f MB\n", st.Objects, st.Files, float64(st.Bytes)/1e6)
	fmt.Fprintf(w, "runs:    %d of each (median wall and CPU time, largest peak RSS)\n\n", runs)
	fmt.Fprintf(w, "%-30s %10s %10s %12s\n", "phase", "wall", "cpu", "peak RSS")
	fmt.Fprintf(w, "%-30s %10s %10s %12s\n", strings.Repeat("-", 30), "----------", "----------", "------------")
	for _, p := range []*phase{decode, scanP} {
		wall, cpu := p.median()
		fmt.Fprintf(w, "%-30s %10s %10s %8.1f MiB\n", p.name, s2(wall), s2(cpu), float64(p.maxRSS())/1024)
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

func s2(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

func readSummary(path string) (findings, objects int, err error) {
	data, err := os.ReadFile(path) // #nosec G304 -- in our temp folder
	if err != nil {
		return 0, 0, err
	}
	var rep struct {
		Summary struct {
			Objects  int `json:"objects"`
			Findings int `json:"findings"`
			Errors   int `json:"errors"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return 0, 0, fmt.Errorf("reading the JSON report: %w", err)
	}
	if rep.Summary.Errors != 0 {
		return 0, 0, fmt.Errorf("the report has %d input errors", rep.Summary.Errors)
	}
	return rep.Summary.Findings, rep.Summary.Objects, nil
}

// moduleRoot is the folder of rampart's go.mod, searched from the working
// directory upwards.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod")) // #nosec G304 -- go.mod of the tree
		if err == nil && bytes.Contains(data, []byte("module github.com/rampart-k8s/rampart\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the rampart module (go.mod not found)")
		}
		dir = parent
	}
}
