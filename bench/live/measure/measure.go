// Package measure runs the timed child processes of the live benchmark
// (bench/live): the bare listing and rampart's live scan, alternating. It
// runs inside the small floor binary, not in bench/live itself: Linux
// charges a child the peak RSS of the address space it was started from,
// and bench/live holds the loaded corpus and all of rampart.
package measure

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/rampart-k8s/rampart/bench/internal/benchutil"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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
type Sample = benchutil.Sample

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
		sum, err := benchutil.ReadSummary(p.Report)
		if err != nil {
			return err
		}
		if sum.Skipped != 0 {
			return fmt.Errorf("the report skipped %d resources", sum.Skipped)
		}
		if sum.Objects != p.Expect {
			return fmt.Errorf("rampart scanned %d objects; the cluster holds %d", sum.Objects, p.Expect)
		}
		res.Findings, res.ReportBytes = sum.Findings, sum.Bytes
		label := "warm-up"
		if i >= 0 {
			res.Floor = append(res.Floor, fs)
			res.Scan = append(res.Scan, ss)
			label = fmt.Sprintf("run %d/%d", i+1, p.Runs)
		}
		fmt.Fprintf(os.Stderr, "%s: bare listing %s, rampart scan %s\n", label, benchutil.S3(fs.Wall), benchutil.S3(ss.Wall))
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// measure runs cmd and also charges it the CPU time the cluster's
// processes (servers) spent meanwhile.
func measure(cmd *exec.Cmd, servers []int) (Sample, error) {
	before := procsCPU(servers)
	s, err := benchutil.Measure(cmd)
	s.ServerCPU = procsCPU(servers) - before
	return s, err
}

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
