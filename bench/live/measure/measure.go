// Package measure runs the timed child processes of the live benchmark
// (bench/live): the bare listing and rampart's live scan, alternating. It
// runs inside the small floor binary, not in bench/live itself: Linux
// charges a child the peak RSS of the address space it was started from,
// and bench/live holds the loaded corpus and all of rampart.
package measure

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Plan is what to measure.
type Plan struct {
	Floor []string // the floor's command line
	Scan  []string // rampart's command line
	// Dir is rampart's working folder (no config file of the tree applies).
	Dir string
	// Report is where rampart's output goes.
	Report string
	Runs   int
	Warmup int
	// Expect is the number of objects both must see.
	Expect int
	// Servers are the pids of etcd and the API server.
	Servers []int
}

// Results are the samples of a Plan.
type Results struct {
	Floor, Scan []Sample
	Findings    int
	ReportBytes int
	// LauncherKiB is the measuring process's own peak RSS when it started
	// the children: a lower bound of every child's reported peak.
	LauncherKiB int64
}

// Sample is one measured child process.
type Sample struct {
	Wall      time.Duration
	CPU       time.Duration // user + system of the child
	ServerCPU time.Duration // of kube-apiserver and etcd while it ran
	RSSKiB    int64
	Code      int
}

// Run runs the plan in planFile (JSON): floor and scan alternating,
// warm-up runs first, progress on stderr; it prints the Results as JSON
// on stdout.
func Run(planFile string) error {
	data, err := os.ReadFile(planFile) // #nosec G304 -- written by the parent
	if err != nil {
		return err
	}
	var p Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	res := Results{LauncherKiB: selfHWM()}
	// The runs alternate so that any drift of the machine's load touches both.
	for i := -p.Warmup; i < p.Runs; i++ {
		var out, errOut bytes.Buffer
		cmd := exec.Command(p.Floor[0], p.Floor[1:]...) // #nosec G204 -- binary we built
		cmd.Stdout, cmd.Stderr = &out, &errOut
		fs, err := measure(cmd, p.Servers)
		if err != nil || fs.Code != 0 {
			return fmt.Errorf("bare listing: exit %d %v: %s", fs.Code, err, errOut.String())
		}
		listed, err := strconv.Atoi(strings.TrimSpace(out.String()))
		if err != nil {
			return fmt.Errorf("bare listing output %q: %w", out.String(), err)
		}
		if listed != p.Expect {
			return fmt.Errorf("the bare listing saw %d objects; the cluster holds %d", listed, p.Expect)
		}

		f, err := os.Create(p.Report) // #nosec G304 -- in our temp folder
		if err != nil {
			return err
		}
		errOut.Reset()
		cmd = exec.Command(p.Scan[0], p.Scan[1:]...) // #nosec G204 -- binary we built
		cmd.Dir = p.Dir
		cmd.Stdout, cmd.Stderr = f, &errOut
		ss, err := measure(cmd, p.Servers)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		// Exit 1 means findings at or above --fail-on: expected here.
		if err != nil || (ss.Code != 0 && ss.Code != 1) {
			return fmt.Errorf("rampart scan --cluster: exit %d %v: %s", ss.Code, err, errOut.String())
		}
		var scanned int
		res.Findings, scanned, res.ReportBytes, err = readSummary(p.Report)
		if err != nil {
			return err
		}
		if scanned != p.Expect {
			return fmt.Errorf("rampart scanned %d objects; the cluster holds %d", scanned, p.Expect)
		}
		label := "warm-up"
		if i >= 0 {
			res.Floor = append(res.Floor, fs)
			res.Scan = append(res.Scan, ss)
			label = fmt.Sprintf("run %d/%d", i+1, p.Runs)
		}
		fmt.Fprintf(os.Stderr, "%s: bare listing %s, rampart scan %s\n", label, S3(fs.Wall), S3(ss.Wall))
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// measure runs cmd and also charges it the CPU time the cluster's
// processes (servers) spent meanwhile.
func measure(cmd *exec.Cmd, servers []int) (Sample, error) {
	before := procsCPU(servers)
	start := time.Now()
	err := cmd.Run()
	s := Sample{Wall: time.Since(start)}
	s.ServerCPU = procsCPU(servers) - before
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
		err = nil // the caller judges the exit code
	}
	return s, err
}

// procsCPU is the user + system time of processes, from /proc/PID/stat
// (in clock ticks of 1/100 s, USER_HZ on Linux).
func procsCPU(pids []int) time.Duration {
	var ticks int64
	for _, pid := range pids {
		data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat")) // #nosec G304 -- /proc of our own children
		if err != nil {
			continue
		}
		s := string(data)
		// After "(comm)" come state (field 3 of proc(5)) ... utime (14), stime (15).
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 12 {
			u, _ := strconv.ParseInt(fields[11], 10, 64)
			st, _ := strconv.ParseInt(fields[12], 10, 64)
			ticks += u + st
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// selfHWM is this process's peak RSS (VmHWM) in KiB.
func selfHWM() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
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

func readSummary(path string) (findings, objects, size int, err error) {
	data, err := os.ReadFile(path) // #nosec G304 -- in our temp folder
	if err != nil {
		return 0, 0, 0, err
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
		return 0, 0, 0, fmt.Errorf("reading the JSON report: %w", err)
	}
	if rep.Summary.Errors != 0 {
		return 0, 0, 0, fmt.Errorf("the report has %d input errors", rep.Summary.Errors)
	}
	if len(rep.Skipped) != 0 {
		return 0, 0, 0, fmt.Errorf("the report skipped %d resources", len(rep.Skipped))
	}
	return rep.Summary.Findings, rep.Summary.Objects, len(data), nil
}

// S3 formats a duration in seconds with three decimals.
func S3(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }
