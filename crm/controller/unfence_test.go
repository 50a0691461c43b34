package controller

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/baton-ha/baton/crm/cib"
	"github.com/baton-ha/baton/crm/fencer"
	"github.com/baton-ha/baton/crm/scheduler"
)

const unfencingDevice = `<primitive id="fd" class="stonith" type="fence_x"><instance_attributes id="fd-ia"><nvpair id="fd-c" name="pcmk_host_check" value="none"/></instance_attributes>
<meta_attributes id="fd-m"><nvpair id="fd-p" name="provides" value="unfencing"/></meta_attributes></primitive>`

// unfences returns the "on" requests the fencer saw, by target.
func unfences(f *fencer.Fake) []string {
	var out []string
	for _, r := range f.Calls() {
		if r.Action == "on" {
			out = append(out, r.Target)
		}
	}
	return out
}

// TestNodeIsUnfencedBeforeItProbes: with a device that provides
// unfencing, the DC unfences each member once per boot before it probes
// anything that requires unfencing there; a node whose unfencing fails
// probes and starts none of it, and is tried again.
func TestNodeIsUnfencedBeforeItProbes(t *testing.T) {
	x := fencingCIB(`<nvpair id="o1" name="stonith-enabled" value="true"/>`, unfencingDevice+`
<primitive id="d" class="ocf" provider="baton" type="Dummy"/>`)

	f := &fencer.Fake{Self: "a"}
	c := newFencingController(t, x, "fence", f)
	stepUntil(t, c, 3*time.Second, "a unfenced and d probed", func(State) bool {
		return len(unfences(f)) > 0 && c.cluster.Known("a", "d")
	})
	if got := unfences(f); len(got) != 1 || got[0] != "a" {
		t.Errorf("unfencing requests %v, want one for a", got)
	}
	for range 3 {
		c.step(context.Background(), false)
	}
	if got := unfences(f); len(got) != 1 {
		t.Errorf("a was unfenced again in the same boot: %v", got)
	}

	f = &fencer.Fake{Self: "a", Fail: map[string]error{"a": errFake("fabric switch unreachable")}}
	c = newFencingController(t, x, "fence", f)
	stepUntil(t, c, 5*time.Second, "a second unfencing attempt", func(State) bool { return len(unfences(f)) >= 2 })
	if c.cluster.Known("a", "d") {
		t.Error("d was probed on a although a's unfencing failed")
	}
	hist := c.Snapshot().Fencing.History
	if len(hist) == 0 || hist[len(hist)-1].Action != "on" || !strings.Contains(hist[len(hist)-1].Error, "fabric switch unreachable") {
		t.Errorf("the fence history must show the failed unfencing: %+v", hist)
	}
}

// TestNoUnfencingWithoutADeviceThatProvidesIt: an ordinary power device
// needs no "on" before resources start.
func TestNoUnfencingWithoutADeviceThatProvidesIt(t *testing.T) {
	x := fencingCIB(`<nvpair id="o1" name="stonith-enabled" value="true"/>`, fakeDevice+`
<primitive id="d" class="ocf" provider="baton" type="Dummy"/>`)
	f := &fencer.Fake{Self: "a"}
	c := newFencingController(t, x, "fence", f)
	stepUntil(t, c, 3*time.Second, "d probed", func(State) bool { return c.cluster.Known("a", "d") })
	if got := unfences(f); len(got) != 0 {
		t.Errorf("unfencing requested without a device that provides it: %v", got)
	}
}

func TestHeldByUnfencing(t *testing.T) {
	x := fencingCIB("", unfencingDevice+`
<primitive id="dflt" class="ocf" provider="baton" type="Dummy"/>
<primitive id="dq" class="ocf" provider="baton" type="Dummy"><meta_attributes id="dq-m"><nvpair id="dq-r" name="requires" value="quorum"/></meta_attributes></primitive>
<primitive id="du" class="ocf" provider="baton" type="Dummy"><meta_attributes id="du-m"><nvpair id="du-r" name="requires" value="unfencing"/></meta_attributes></primitive>`)
	doc, err := cib.Parse([]byte(x))
	if err != nil {
		t.Fatal(err)
	}
	blocked := map[string]bool{"a": true}
	for _, tc := range []struct {
		rsc, task, node string
		held            bool
	}{
		{"dflt", "start", "a", true}, {"dflt", "promote", "a", true}, {"du", "start", "a", true},
		{"dflt", "stop", "a", false}, {"dflt", "demote", "a", false}, {"dflt", "monitor", "a", false},
		{"dq", "start", "a", false}, {"fd", "start", "a", false}, {"dflt", "start", "b", false},
	} {
		a := &scheduler.Action{Task: tc.task, Node: tc.node, Primitive: doc.FindResource(tc.rsc)}
		if got := heldByUnfencing(doc, a, blocked); got != tc.held {
			t.Errorf("%s %s on %s held = %v, want %v", tc.rsc, tc.task, tc.node, got, tc.held)
		}
	}
}
