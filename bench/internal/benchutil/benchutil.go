// Package benchutil holds what rampart's benchmarks share: finding the
// module, timing child processes with their CPU time and peak memory, and
// reading the summary of a JSON report.
package benchutil

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"
)

// ModuleRoot is the folder of rampart's go.mod, searched from the working
// directory upwards.
func ModuleRoot() (string, error) {
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

// Sample is one measured child process.
type Sample struct {
	Wall      time.Duration
	CPU       time.Duration // user + system of the child
	ServerCPU time.Duration // of other processes charged to it (the live benchmark's servers)
	RSSKiB    int64
	Code      int
}

// Measure runs cmd and reads its wall time, CPU time and peak RSS. A
// non-zero exit is not an error: the caller judges Code.
func Measure(cmd *exec.Cmd) (Sample, error) {
	start := time.Now()
	err := cmd.Run()
	s := Sample{Wall: time.Since(start)}
	if cmd.ProcessState == nil {
		return s, err
	}
	s.Code = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.RSSKiB = int64(ru.Maxrss) // KiB on Linux
	}
	s.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		err = nil
	}
	return s, err
}

// Phase collects the samples of one measurement.
type Phase struct {
	Name    string
	Samples []Sample
}

// Median is the median of ds.
func Median(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// Median is the median wall, CPU and server CPU time.
func (p *Phase) Median() (wall, cpu, server time.Duration) {
	var w, c, sv []time.Duration
	for _, s := range p.Samples {
		w, c, sv = append(w, s.Wall), append(c, s.CPU), append(sv, s.ServerCPU)
	}
	return Median(w), Median(c), Median(sv)
}

// MaxRSS is the largest peak RSS in KiB.
func (p *Phase) MaxRSS() int64 {
	var m int64
	for _, s := range p.Samples {
		m = max(m, s.RSSKiB)
	}
	return m
}

// Summary is what the benchmarks read of a JSON report.
type Summary struct {
	Findings, Objects, Skipped, Bytes int
}

// ReadSummary reads a rampart JSON report; input errors in it are an error.
func ReadSummary(path string) (Summary, error) {
	data, err := os.ReadFile(path) // #nosec G304 -- in our temp folder
	if err != nil {
		return Summary{}, err
	}
	var rep struct {
		Summary struct {
			Objects  int `json:"objects"`
			Findings int `json:"findings"`
			Errors   int `json:"errors"`
		} `json:"summary"`
		Skipped []json.RawMessage `json:"skipped"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return Summary{}, fmt.Errorf("reading the JSON report: %w", err)
	}
	if rep.Summary.Errors != 0 {
		return Summary{}, fmt.Errorf("the report has %d input errors", rep.Summary.Errors)
	}
	return Summary{Findings: rep.Summary.Findings, Objects: rep.Summary.Objects, Skipped: len(rep.Skipped), Bytes: len(data)}, nil
}

// S3 formats a duration in seconds with three decimals.
func S3(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

// RunSelf re-runs this very program runs times with args (its -child
// mode), decoding each run's standard output as JSON into a fresh value
// from next; it returns the peak RSS of each run in KiB.
func RunSelf(runs int, next func() any, args ...string) ([]int64, error) {
	var rss []int64
	for range runs {
		cmd := exec.Command(os.Args[0], args...) // #nosec G204 G702 -- this very program, re-run as the measured child
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, os.Stderr
		s, err := Measure(cmd)
		if err != nil || s.Code != 0 {
			return nil, fmt.Errorf("child run: %v (exit %d)", err, s.Code)
		}
		if err := json.Unmarshal(out.Bytes(), next()); err != nil {
			return nil, err
		}
		rss = append(rss, s.RSSKiB)
	}
	return rss, nil
}
