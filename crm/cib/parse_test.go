package cib

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const smallCIB = `<cib validate-with="pacemaker-3.7" have-quorum="1" execution-date="1700000000">
  <configuration>
    <crm_config>
      <cluster_property_set id="opts">
        <nvpair id="o1" name="stonith-enabled" value="false"/>
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="alpha">
        <instance_attributes id="n1"><nvpair id="n1s" name="standby" value="off"/></instance_attributes>
      </node>
      <node id="2" uname="beta"/>
    </nodes>
    <resources>
      <primitive id="ip" class="ocf" provider="baton" type="IPaddr">
        <meta_attributes id="ip-meta"><nvpair id="ip-ts" name="target-role" value="Started"/></meta_attributes>
        <operations><op id="ip-mon" name="monitor" interval="10s" role="Slave"/></operations>
      </primitive>
      <group id="g">
        <primitive id="fs" class="ocf" provider="baton" type="Filesystem"/>
        <primitive id="nfs" class="ocf" provider="baton" type="nfsserver"/>
      </group>
      <master id="ms">
        <meta_attributes id="ms-meta"><nvpair id="ms-mm" name="master-max" value="1"/></meta_attributes>
        <primitive id="drbd" class="ocf" provider="baton" type="drbd"/>
      </master>
    </resources>
    <constraints>
      <rsc_location id="loc" rsc="ip" node="alpha" score="100"/>
      <rsc_location id="loc-rule" rsc="g">
        <rule id="r1" score="-INFINITY" boolean-op="or">
          <expression id="e1" attribute="#uname" operation="eq" value="beta"/>
          <expression id="e2" attribute="site" operation="defined"/>
        </rule>
      </rsc_location>
      <rsc_colocation id="col" rsc="g" with-rsc="ms" with-rsc-role="Master" score="INFINITY"/>
      <rsc_order id="ord" first="ms" first-action="promote" then="g" then-action="start"/>
    </constraints>
  </configuration>
  <status>
    <node_state id="1" uname="alpha" in_ccm="true" crmd="online" join="member" expected="member">
      <transient_attributes id="1"><instance_attributes id="t1">
        <nvpair id="t1a" name="master-drbd" value="10000"/>
      </instance_attributes></transient_attributes>
      <lrm id="1"><lrm_resources>
        <lrm_resource id="ip" class="ocf" provider="baton" type="IPaddr">
          <lrm_rsc_op id="ip_start_0" operation="start" call-id="3" rc-code="0" op-status="0" interval="0" transition-key="1:2:0:abc"/>
          <lrm_rsc_op id="ip_monitor_10000" operation="monitor" call-id="4" rc-code="7" op-status="0" interval="10000" transition-key="1:2:0:abc"/>
        </lrm_resource>
      </lrm_resources></lrm>
    </node_state>
  </status>
</cib>`

func TestParseModel(t *testing.T) {
	c, err := Parse([]byte(smallCIB))
	if err != nil {
		t.Fatal(err)
	}
	if !c.HaveQuorum || c.ExecutionDate != time.Unix(1700000000, 0).UTC() {
		t.Errorf("quorum %v date %v", c.HaveQuorum, c.ExecutionDate)
	}
	if len(c.Nodes) != 2 || c.Nodes[1].Uname != "beta" {
		t.Errorf("nodes: %+v", c.Nodes)
	}
	if len(c.Resources) != 3 || c.Resources[1].Kind != Group || len(c.Resources[1].Children) != 2 {
		t.Fatalf("resources: %+v", c.Resources)
	}
	ms := c.Resources[2]
	if ms.Kind != Clone || ms.Tag != "master" || ms.Children[0].Parent != ms {
		t.Errorf("master: %+v", ms)
	}
	if op := c.Resources[0].Ops[0]; op.Interval != 10*time.Second || op.Role != "Unpromoted" {
		t.Errorf("op: %+v", op)
	}
	if c.Colocations[0].WithRscRole != "Promoted" || c.Colocations[0].Score != Infinity {
		t.Errorf("colocation: %+v", c.Colocations[0])
	}
	if o := c.Orders[0]; o.Kind != "Mandatory" || !o.Symmetrical || o.FirstAction != "promote" || o.ThenAction != "start" {
		t.Errorf("order: %+v", o)
	}
	st := c.NodeState("1", "")
	if st == nil || !st.Online() || st.Attrs["master-drbd"] != "10000" {
		t.Fatalf("node state: %+v", st)
	}
	mon := st.Resources[0].Ops[1]
	if !mon.Failed() || mon.Interval != 10*time.Second || mon.TargetRC != 0 {
		t.Errorf("monitor op: %+v failed=%v", mon, mon.Failed())
	}
	if errs, warns := c.Validate(); len(errs) != 0 || len(warns) != 0 {
		t.Errorf("validate: %v %v", errs, warns)
	}
}

func TestParseErrorsNameElementAndLine(t *testing.T) {
	tests := []struct {
		name, xml, want string
	}{
		{"malformed", `<cib><configuration>`, "not well-formed"},
		{"root", `<foo/>`, "root element must be <cib>"},
		{"bad score", "<cib>\n<configuration>\n<constraints>\n<rsc_location id=\"l1\" rsc=\"a\" node=\"n\" score=\"lots\"/>\n</constraints></configuration></cib>",
			`line 4: <rsc_location id="l1">: score: invalid score "lots"`},
		{"bad role", "<cib><configuration><constraints>\n\n<rsc_colocation id=\"c1\" rsc=\"a\" with-rsc=\"b\" score=\"10\" rsc-role=\"Boss\"/>\n</constraints></configuration></cib>",
			`line 3: <rsc_colocation id="c1">: unknown rsc-role "Boss"`},
		{"no id", `<cib><configuration><resources><primitive class="ocf" provider="p" type="t"/></resources></configuration></cib>`, "missing id"},
		{"bad interval", `<cib><configuration><resources><primitive id="a" class="ocf" provider="p" type="t"><operations><op id="o" name="monitor" interval="soon"/></operations></primitive></resources></configuration></cib>`,
			`<op id="o">: invalid interval "soon"`},
		{"bad action", `<cib><configuration><constraints><rsc_order id="o" first="a" then="b" first-action="jump"/></constraints></configuration></cib>`,
			`unknown action "jump"`},
		{"empty group", `<cib><configuration><resources><group id="g"/></resources></configuration></cib>`, "at least one primitive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.xml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	base := func(cons string) string {
		return `<cib><configuration><nodes><node id="1" uname="n1"/></nodes><resources>
<primitive id="a" class="ocf" provider="p" type="t"/>
<primitive id="b" class="ocf" provider="p" type="t"/>
</resources><constraints>` + cons + `</constraints></configuration></cib>`
	}
	tests := []struct {
		name, cons, want string
	}{
		{"unknown rsc", `<rsc_colocation id="c" rsc="a" with-rsc="ghost" score="10"/>`, `<rsc_colocation id="c">: resource "ghost" names no configured resource`},
		{"unknown location rsc", `<rsc_location id="l" rsc="ghost" node="n1" score="1"/>`, `rsc "ghost" names no configured resource`},
		{"cycle", `<rsc_order id="o1" first="a" then="b"/>` + "\n" + `<rsc_order id="o2" first="b" then="a"/>`, "loop"},
		{"self order", `<rsc_order id="o1" first="a" then="a"/>`, "after itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(base(tt.cons)))
			if err != nil {
				t.Fatal(err)
			}
			errs, _ := c.Validate()
			if len(errs) == 0 || !strings.Contains(errs.Error(), tt.want) {
				t.Fatalf("got %v, want %q", errs, tt.want)
			}
			var e *Error
			if !errors.As(errs[0], &e) || e.Line == 0 {
				t.Errorf("error lacks a line: %+v", errs[0])
			}
		})
	}
	// Optional orders may loop: they only order actions that happen anyway.
	c, err := Parse([]byte(base(`<rsc_order id="o1" first="a" then="b" kind="Optional"/><rsc_order id="o2" first="b" then="a" kind="Optional"/>`)))
	if err != nil {
		t.Fatal(err)
	}
	if errs, _ := c.Validate(); len(errs) != 0 {
		t.Errorf("optional loop reported: %v", errs)
	}
}

func TestScores(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"INFINITY", Infinity, true}, {"+INFINITY", Infinity, true}, {"-INFINITY", -Infinity, true},
		{"100", 100, true}, {"-5", -5, true}, {"2000000", Infinity, true}, {"1.9", 1, true},
		{"", 0, false}, {"red", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseScore(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseScore(%q) = %d, %v", tt.in, got, err)
		}
	}
	if AddScores(Infinity, -Infinity) != -Infinity || AddScores(Infinity, 5) != Infinity || AddScores(999999, 5) != Infinity {
		t.Error("AddScores does not saturate like Pacemaker")
	}
}

func TestRules(t *testing.T) {
	attrs := map[string]string{"#uname": "n1", "v": "3.4", "s": "as2.0", "ver": "1.10.2"}
	tests := []struct {
		expr Expr
		want bool
	}{
		{Expr{Kind: "attr", Attribute: "#uname", Operation: "eq", Value: "N1"}, true},
		{Expr{Kind: "attr", Attribute: "v", Operation: "eq", Value: "3.6", Type: "integer"}, true},
		{Expr{Kind: "attr", Attribute: "v", Operation: "eq", Value: "3.6", Type: "number"}, false},
		{Expr{Kind: "attr", Attribute: "v", Operation: "lt", Value: "10"}, true},
		{Expr{Kind: "attr", Attribute: "s", Operation: "gt", Value: "as10.0", Type: "number"}, true},
		{Expr{Kind: "attr", Attribute: "ver", Operation: "gt", Value: "1.9", Type: "version"}, true},
		{Expr{Kind: "attr", Attribute: "missing", Operation: "ne", Value: "x"}, true},
		{Expr{Kind: "attr", Attribute: "missing", Operation: "eq", Value: "x"}, false},
		{Expr{Kind: "attr", Attribute: "missing", Operation: "not_defined"}, true},
	}
	for i, tt := range tests {
		r := &Rule{BooleanOp: "and", Exprs: []Expr{tt.expr}}
		if got := r.Eval(RuleContext{NodeAttrs: attrs}); got != tt.want {
			t.Errorf("%d: %+v = %v, want %v", i, tt.expr, got, tt.want)
		}
	}
	or := &Rule{BooleanOp: "or", Exprs: []Expr{tests[7].expr, tests[0].expr}}
	if !or.Eval(RuleContext{NodeAttrs: attrs}) {
		t.Error("or rule")
	}
	role := &Rule{BooleanOp: "and", Role: "Promoted"}
	if role.Eval(RuleContext{NodeAttrs: attrs, Role: "Started"}) || !role.Eval(RuleContext{NodeAttrs: attrs, Role: "Promoted"}) {
		t.Error("role rule")
	}
	date := Expr{Kind: "date", Operation: "in_range", Start: "2020-01-01", End: "2021-01-01"}
	r := &Rule{BooleanOp: "and", Exprs: []Expr{date}}
	if !r.Eval(RuleContext{Now: time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)}) || r.Eval(RuleContext{Now: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)}) {
		t.Error("date rule")
	}
}

func TestIntervals(t *testing.T) {
	for in, want := range map[string]time.Duration{"10s": 10 * time.Second, "10": 10 * time.Second, "500ms": 500 * time.Millisecond,
		"1m": time.Minute, "2min": 2 * time.Minute, "PT20S": 20 * time.Second, "0": 0, "": 0} {
		got, err := ParseInterval(in)
		if err != nil || got != want {
			t.Errorf("ParseInterval(%q) = %v, %v", in, got, err)
		}
	}
}

func TestISODuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"PT10S", 10 * time.Second, false},
		{"P10S", 10 * time.Second, false}, // Pacemaker takes S and H without T
		{"PT1M", time.Minute, false},
		{"P1M", 30 * 24 * time.Hour, false}, // a month before T
		{"P1DT2H30M", 26*time.Hour + 30*time.Minute, false},
		{"pt1.5s", 1500 * time.Millisecond, false},
		{"P1W", 7 * 24 * time.Hour, false},
		{"P", 0, true},
		{"PT", 0, true},
		{"PT10", 0, true},
		{"PT1D", 0, true},
		{"P1X", 0, true},
		{"P-1D", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseISODuration(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseISODuration(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestSetsTemplatesTags(t *testing.T) {
	const good = `<cib><configuration><nodes><node id="1" uname="n1"/></nodes><resources>
<template id="t" class="ocf" provider="x" type="y"><meta_attributes id="tm"><nvpair id="tm1" name="priority" value="5"/></meta_attributes>
<operations><op id="t-m" name="monitor" interval="PT10S"/><op id="t-s" name="start" interval="0"/></operations></template>
<primitive id="a" template="t"><operations><op id="a-m" name="monitor" interval="10s" on-fail="stop"/></operations></primitive>
<primitive id="b" class="ocf" provider="x" type="z"/></resources>
<tags><tag id="tg"><obj_ref id="a"/><obj_ref id="b"/></tag></tags>
<constraints><rsc_order id="o"><resource_set id="s1" sequential="false" require-all="false"><resource_ref id="a"/><resource_ref id="b"/></resource_set>
<resource_set id="s2" action="promote"><resource_ref id="tg"/></resource_set></rsc_order></constraints></configuration></cib>`
	c, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	a := c.FindResource("a")
	if a.Class != "ocf" || a.Type != "y" || len(a.Ops) != 2 || a.Ops[0].OnFail != "stop" || len(a.Meta) != 1 {
		t.Errorf("template not applied: %+v", a)
	}
	o := c.Orders[0]
	if len(o.Sets) != 2 || o.Sets[0].Sequential || o.Sets[0].RequireAll || o.Sets[1].Action != "promote" || !o.Sets[1].Sequential || o.Sets[1].SequentialSet {
		t.Errorf("sets: %+v %+v", o.Sets[0], o.Sets[1])
	}
	if errs, _ := c.Validate(); len(errs) != 0 {
		t.Errorf("validate: %v", errs)
	}

	bad := []struct{ xml, want string }{
		{`<primitive id="a" template="nope"/>`, `<primitive id="a">: template "nope" is not defined`},
		{`<template id="t" class="ocf" type="y"/>`, `<template id="t">: ocf <template> needs a provider`},
		{`<primitive id="a" class="ocf" provider="x" type="y"><operations><op id="m" name="monitor" interval="PT5X"/></operations></primitive>`, `<op id="m">: invalid interval "PT5X"`},
	}
	for _, b := range bad {
		_, err := Parse([]byte(`<cib><configuration><resources>` + b.xml + `</resources></configuration></cib>`))
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: got %v, want %q", b.xml, err, b.want)
		}
	}
	badCons := []struct{ xml, want string }{
		{`<rsc_order id="o"><resource_set id="s"/></rsc_order>`, `<resource_set id="s">: resource_set names no resources`},
		{`<rsc_order id="o"><resource_set id="s" action="run"><resource_ref id="a"/></resource_set></rsc_order>`, `<resource_set id="s">: unknown action "run"`},
		{`<rsc_colocation id="c" score="1"><resource_set id="s" sequential="perhaps"><resource_ref id="a"/></resource_set></rsc_colocation>`, `<resource_set id="s">: sequential "perhaps" is not a boolean`},
		{`<rsc_colocation id="c" score="1"><resource_set id="s" role="Boss"><resource_ref id="a"/></resource_set></rsc_colocation>`, `<resource_set id="s">: unknown role "Boss"`},
	}
	for _, b := range badCons {
		_, err := Parse([]byte(`<cib><configuration><resources><primitive id="a" class="ocf" provider="x" type="y"/></resources><constraints>` + b.xml + `</constraints></configuration></cib>`))
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: got %v, want %q", b.xml, err, b.want)
		}
	}
	c, err = Parse([]byte(`<cib><configuration><resources><primitive id="a" class="ocf" provider="x" type="y"/></resources><constraints>
<rsc_location id="l" node="n1" score="1"><resource_set id="s"><resource_ref id="ghost"/></resource_set></rsc_location></constraints></configuration></cib>`))
	if err != nil {
		t.Fatal(err)
	}
	if errs, _ := c.Validate(); len(errs) != 1 || !strings.Contains(errs[0].Error(), `<resource_set id="s">: resource_ref "ghost" names no configured resource`) {
		t.Errorf("validate: %v", errs)
	}
}

// TestConstraintAttributesAsPacemakerSchema: an attribute Pacemaker's
// schema does not allow on a constraint is an error naming the element,
// the attribute and what was meant, for the schemas whose attributes
// Baton knows (pacemaker-3.x, pacemaker-next, none given); older ones and
// validate-with="none" are not checked, as Pacemaker would not.
func TestConstraintAttributesAsPacemakerSchema(t *testing.T) {
	doc := func(validateWith, cons string) string {
		v := ""
		if validateWith != "-" {
			v = ` validate-with="` + validateWith + `"`
		}
		return `<cib` + v + `><configuration><nodes><node id="1" uname="n1"/></nodes><resources>
<primitive id="a" class="ocf" provider="p" type="t"/>
<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" value="true"/></meta_attributes><primitive id="b" class="ocf" provider="p" type="t"/></clone>
</resources><constraints>
` + cons + `</constraints></configuration></cib>`
	}
	tests := []struct {
		name, validateWith, cons, want string
	}{
		{"location with rsc-role", "pacemaker-3.9", `<rsc_location id="l" rsc="ms" rsc-role="Promoted" node="n1" score="100"/>`,
			`line 5: <rsc_location id="l">: attribute rsc-role is not allowed here: Pacemaker's schema (pacemaker-3.9) refuses the whole CIB; did you mean role?`},
		{"colocation with role", "pacemaker-3.0", `<rsc_colocation id="c" rsc="a" with-rsc="ms" role="Promoted" score="INFINITY"/>`,
			`<rsc_colocation id="c">: attribute role is not allowed here: Pacemaker's schema (pacemaker-3.0) refuses the whole CIB; did you mean rsc-role?`},
		{"misspelt on a set", "pacemaker-3.7", `<rsc_order id="o"><resource_set id="s" sequentail="false"><resource_ref id="a"/></resource_set><resource_set id="s2"><resource_ref id="ms"/></resource_set></rsc_order>`,
			`<resource_set id="s">: attribute sequentail is not allowed here: Pacemaker's schema (pacemaker-3.7) refuses the whole CIB; allowed: id, id-ref, sequential`},
		{"no validate-with", "-", `<rsc_order id="o" first="a" then="ms" firstaction="start"/>`,
			`attribute firstaction is not allowed here: Pacemaker's schema (the newest, as no validate-with is set)`},
		{"instance on 3.9", "pacemaker-3.9", `<rsc_colocation id="c" rsc="a" with-rsc="ms" with-rsc-instance="1" score="INFINITY"/>`,
			`attribute with-rsc-instance is not allowed here`},
		{"instance on next", "pacemaker-next", `<rsc_colocation id="c" rsc="a" with-rsc="ms" with-rsc-instance="1" score="INFINITY"/>`, ""},
		{"every allowed attribute", "pacemaker-3.9", `<rsc_location id="l" rsc="ms" role="Promoted" node="n1" score="100" resource-discovery="always"/>
<rsc_colocation id="c" rsc="a" with-rsc="ms" rsc-role="Started" with-rsc-role="Promoted" node-attribute="site" influence="true" score="INFINITY"/>
<rsc_order id="o" first="ms" then="a" first-action="promote" then-action="start" kind="Mandatory" symmetrical="true" require-all="true"/>`, ""},
		{"older schema", "pacemaker-2.10", `<rsc_location id="l" rsc="ms" rsc-role="Promoted" node="n1" score="100"/>`, ""},
		{"validation off", "none", `<rsc_location id="l" rsc="ms" rsc-role="Promoted" node="n1" score="100"/>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(doc(tt.validateWith, tt.cons)))
			if err != nil {
				t.Fatal(err)
			}
			errs, _ := c.Validate()
			switch {
			case tt.want == "" && len(errs) > 0:
				t.Fatalf("valid for Pacemaker, refused: %v", errs)
			case tt.want != "" && (len(errs) == 0 || !strings.Contains(errs.Error(), tt.want)):
				t.Fatalf("got %v, want %q", errs, tt.want)
			}
		})
	}
}
