// Command rbac is the RBAC benchmark (`make bench-rbac`). It generates an
// estate the size of a large real cluster (bench/rbacgen: 900
// ClusterRoles, 700 ClusterRoleBindings, 1,400 Roles, 4,500 RoleBindings,
// 5,000 ServiceAccounts, 300 namespaces) and measures, in a child process
// of its own (for its peak memory):
//
//   - building the model (Kubernetes' default roles added, aggregation);
//   - the full escalation analysis: the reach of every subject and the
//     most severe gain in it (what rbac/escalation-path does);
//   - who-can: the median and 95th percentile of many random queries;
//   - can: many random (subject, request) decisions.
//
// Then it loads the same objects into the test cluster (a real
// kube-apiserver and etcd) and times the API server answering the same
// can questions as SubjectAccessReviews. Timings are reported, never
// asserted.
//
//	go run ./bench/rbac [-runs N] [-queries N] [-apiserver=false]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/rampart-k8s/rampart/bench/internal/benchutil"
	"github.com/rampart-k8s/rampart/bench/rbacgen"
	"github.com/rampart-k8s/rampart/internal/testcluster"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"github.com/rampart-k8s/rampart/pkg/rbac"
	authzv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const seed = 20261123

// result is what one child run measures.
type result struct {
	Objects     int            `json:"objects"`
	Counts      map[string]int `json:"counts"`
	Build       time.Duration  `json:"build"`
	Escalation  time.Duration  `json:"escalation"`
	Subjects    int            `json:"subjects"`
	ReachAdmin  int            `json:"reachAdmin"`
	Gaining     int            `json:"gaining"`
	WhoCanP50   time.Duration  `json:"whoCanP50"`
	WhoCanP95   time.Duration  `json:"whoCanP95"`
	WhoCanQ     int            `json:"whoCanQueries"`
	Decide      time.Duration  `json:"decide"`
	Decisions   int            `json:"decisions"`
	AllowedSeen int            `json:"allowed"`
}

func main() {
	child := flag.Bool("child", false, "run one measurement in-process and print it as JSON (used by the parent)")
	runs := flag.Int("runs", 3, "measured child runs (median times, largest RSS)")
	queries := flag.Int("queries", 1000, "who-can queries and can decisions (and SubjectAccessReviews) per run")
	apiserver := flag.Bool("apiserver", true, "also time the API server answering the same can questions")
	flag.Parse()
	if *child {
		if err := json.NewEncoder(os.Stdout).Encode(measure(*queries)); err != nil {
			fail(err)
		}
		return
	}
	rs := make([]result, 0, *runs)
	rss, err := benchutil.RunSelf(*runs, func() any { rs = append(rs, result{}); return &rs[len(rs)-1] }, "-child", fmt.Sprintf("-queries=%d", *queries))
	if err != nil {
		fail(err)
	}
	med := func(f func(r result) time.Duration) time.Duration {
		var ds []time.Duration
		for _, r := range rs {
			ds = append(ds, f(r))
		}
		return benchutil.Median(ds)
	}
	r := rs[0]
	fmt.Printf("estate: %d objects %v\n", r.Objects, r.Counts)
	fmt.Printf("rampart, median of %d runs, %d cores:\n", *runs, runtime.NumCPU())
	fmt.Printf("  model build (defaults added, aggregation)   %s\n", benchutil.S3(med(func(r result) time.Duration { return r.Build })))
	fmt.Printf("  escalation analysis of all %d subjects    %s (target < 1s); %d reach cluster-admin, %d gain rights\n",
		r.Subjects, benchutil.S3(med(func(r result) time.Duration { return r.Escalation })), r.ReachAdmin, r.Gaining)
	fmt.Printf("  who-can, %d queries: median %.3f ms (target < 5 ms), p95 %.3f ms\n", r.WhoCanQ,
		ms(med(func(r result) time.Duration { return r.WhoCanP50 })), ms(med(func(r result) time.Duration { return r.WhoCanP95 })))
	decide := med(func(r result) time.Duration { return r.Decide })
	fmt.Printf("  can, %d decisions: %.3f ms in all, %.2f µs each (%d allowed)\n", r.Decisions, ms(decide),
		float64(decide.Nanoseconds())/1000/float64(r.Decisions), r.AllowedSeen)
	fmt.Printf("  peak RSS %.1f MiB (target < 200 MiB)\n", float64(slices.Max(rss))/1024)
	if !*apiserver {
		return
	}
	if err := compareWithAPIServer(*queries, decide); err != nil {
		fail(err)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/rbac:", err)
	os.Exit(1)
}

// question is one can question, the same for rampart and the API server.
type question struct {
	who rbac.Principal
	act rbac.Action
}

var (
	qVerbs     = []string{"get", "list", "watch", "create", "update", "patch", "delete"}
	qResources = []string{"pods", "secrets", "configmaps", "deployments", "jobs", "ingresses", "servicemonitors.monitoring.coreos.com", "pods/exec", "nodes", "widgets.example.com"}
)

func questions(m *rbac.Model, subjects []string, n int) []question {
	rng := rand.New(rand.NewPCG(seed, 2)) // #nosec G404 -- reproducible questions, not secrets
	var out []question
	for len(out) < n {
		who, err := rbac.ParseSubject(subjects[rng.IntN(len(subjects))])
		if err != nil {
			continue
		}
		a, _, err := m.Catalog.Action(qVerbs[rng.IntN(len(qVerbs))], qResources[rng.IntN(len(qResources))], fmt.Sprintf("ns-%03d", rng.IntN(300)), "")
		if err != nil {
			continue
		}
		out = append(out, question{who, a})
	}
	return out
}

func measure(n int) result {
	est := rbacgen.Generate(seed, rbacgen.Large)
	inv := inventory.New(est.Objects)
	runtime.GC()
	r := result{Objects: len(est.Objects), Counts: est.Counts}

	start := time.Now()
	m := rbac.NewModel(inv, rbac.ModelOptions{})
	g := m.Graph()
	r.Build = time.Since(start)

	subjects := m.Subjects()
	start = time.Now()
	var nodes []*rbac.Node
	for _, s := range subjects {
		if who, err := rbac.ParseSubject(s); err == nil {
			nodes = append(nodes, g.IdentityNode(s, who))
		}
	}
	g.Prepare(nodes)
	for _, node := range nodes {
		worst, _ := g.Worst(node)
		if worst != nil {
			r.Gaining++
			if worst.Kind == rbac.ClusterAdmin {
				r.ReachAdmin++
			}
		}
	}
	r.Escalation = time.Since(start)
	r.Subjects = len(subjects)

	qs := questions(m, subjects, n)
	var lat []time.Duration
	for _, q := range qs {
		t := time.Now()
		_ = m.Policy.WhoCan(q.act)
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	r.WhoCanP50, r.WhoCanP95, r.WhoCanQ = lat[len(lat)/2], lat[len(lat)*95/100], len(lat)

	start = time.Now()
	for _, q := range qs {
		if m.Policy.Allows(q.who, q.act) {
			r.AllowedSeen++
		}
	}
	r.Decide, r.Decisions = time.Since(start), len(qs)
	return r
}

// compareWithAPIServer loads the estate's RBAC objects into the test
// cluster and times SubjectAccessReviews for the same questions.
func compareWithAPIServer(n int, rampartDecide time.Duration) error {
	ctx := context.Background()
	fmt.Println("API server (kube-apiserver and etcd from the test cluster):")
	c, err := testcluster.Start(ctx, testcluster.Options{})
	if err != nil {
		return err
	}
	defer c.Stop()
	cfg, err := c.UserConfig("bench", "system:masters")
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 5000, 10000
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	est := rbacgen.Generate(seed, rbacgen.Large)
	start := time.Now()
	loaded, err := load(ctx, cs, est.Objects)
	if err != nil {
		return err
	}
	fmt.Printf("  loaded %d objects in %s\n", loaded, benchutil.S3(time.Since(start)))
	m := rbac.NewModel(inventory.New(est.Objects), rbac.ModelOptions{})
	qs := questions(m, m.Subjects(), n)
	// Let the API server's informers see everything before timing.
	time.Sleep(2 * time.Second)
	var wg sync.WaitGroup
	next := make(chan int)
	agree := make([]bool, len(qs))
	var firstErr error
	var mu sync.Mutex
	start = time.Now()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				q := qs[i]
				sar := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{User: q.who.User, Groups: q.who.Groups,
					ResourceAttributes: &authzv1.ResourceAttributes{Namespace: q.act.Namespace, Verb: q.act.Verb, Group: q.act.APIGroup,
						Resource: q.act.Resource, Subresource: q.act.Subresource}}}
				res, err := cs.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					continue
				}
				agree[i] = res.Status.Allowed == m.Policy.Allows(q.who, q.act)
			}
		}()
	}
	for i := range qs {
		next <- i
	}
	close(next)
	wg.Wait()
	took := time.Since(start)
	if firstErr != nil {
		return firstErr
	}
	same := 0
	for _, a := range agree {
		if a {
			same++
		}
	}
	fmt.Printf("  %d SubjectAccessReviews (8 in parallel): %s, %.0f µs each; rampart: %.3f ms for the same, %.0fx faster; answers agree on %d of %d\n",
		len(qs), benchutil.S3(took), float64(took.Microseconds())/float64(len(qs)), ms(rampartDecide),
		took.Seconds()/rampartDecide.Seconds(), same, len(qs))
	subjects := len(m.Subjects())
	fmt.Printf("  a who-can through the API server takes one review per subject: %d reviews, about %s per query\n",
		subjects, benchutil.S3(time.Duration(float64(took)/float64(len(qs))*float64(subjects))))
	return nil
}

// load creates the estate's namespaces, ServiceAccounts and RBAC objects.
func load(ctx context.Context, cs *kubernetes.Clientset, objs []*inventory.Object) (int, error) {
	create := func(o *inventory.Object) error {
		var err error
		switch t := o.Typed.(type) {
		case *corev1.Namespace:
			_, err = cs.CoreV1().Namespaces().Create(ctx, t, metav1.CreateOptions{})
		case *corev1.ServiceAccount:
			_, err = cs.CoreV1().ServiceAccounts(t.Namespace).Create(ctx, t, metav1.CreateOptions{})
		case *rbacv1.ClusterRole:
			_, err = cs.RbacV1().ClusterRoles().Create(ctx, t, metav1.CreateOptions{})
		case *rbacv1.ClusterRoleBinding:
			_, err = cs.RbacV1().ClusterRoleBindings().Create(ctx, t, metav1.CreateOptions{})
		case *rbacv1.Role:
			_, err = cs.RbacV1().Roles(t.Namespace).Create(ctx, t, metav1.CreateOptions{})
		case *rbacv1.RoleBinding:
			_, err = cs.RbacV1().RoleBindings(t.Namespace).Create(ctx, t, metav1.CreateOptions{})
		}
		return err
	}
	n := 0
	// Namespaces first, then the rest in parallel.
	var rest []*inventory.Object
	for _, o := range objs {
		if o.Kind == "Namespace" {
			if err := create(o); err != nil {
				return n, err
			}
			n++
		} else if o.Kind != "Deployment" {
			rest = append(rest, o)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan *inventory.Object)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range next {
				err := create(o)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("%s %s/%s: %w", o.Kind, o.Namespace, o.Name, err)
				}
				n++
				mu.Unlock()
			}
		}()
	}
	for _, o := range rest {
		next <- o
	}
	close(next)
	wg.Wait()
	return n, firstErr
}
