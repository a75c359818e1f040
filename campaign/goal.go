package campaign

import (
	"github.com/rapportkit/rapport/providers"
)

// GoalKind is what a campaign is for.
type GoalKind string

// Goal kinds.
const (
	BrandAwareness  GoalKind = "brand_awareness"
	ProductExposure GoalKind = "product_exposure"
	ProductLaunch   GoalKind = "product_launch"
	CustomerService GoalKind = "customer_service"
	Community       GoalKind = "community"
	Traffic         GoalKind = "traffic"
	Sales           GoalKind = "sales"
)

// GoalKinds lists the known kinds in a stable order.
var GoalKinds = []GoalKind{BrandAwareness, ProductExposure, ProductLaunch, CustomerService, Community, Traffic, Sales}

// Known reports whether k is one of GoalKinds.
func (k GoalKind) Known() bool {
	for _, g := range GoalKinds {
		if g == k {
			return true
		}
	}
	return false
}

// Metric names a quantity a KPI measures. The constants are the metrics
// rapport measures (package analytics computes them); a plan may name
// others, which the linter reports as unmeasurable unless they are added to
// LintConfig.Measurable.
type Metric string

// Measurable metrics.
const (
	MetricFollowers          Metric = "followers"
	MetricCustomerFollowers  Metric = "customer_followers"      // customers who follow
	MetricFollowerCustomers  Metric = "follower_customer_share" // share of followers who are customers
	MetricEngagementRate     Metric = "engagement_rate"
	MetricConversationRate   Metric = "conversation_rate"
	MetricAmplificationRate  Metric = "amplification_rate"
	MetricApplauseRate       Metric = "applause_rate"
	MetricImpressions        Metric = "impressions"
	MetricReach              Metric = "reach"
	MetricClicks             Metric = "clicks"
	MetricMentions           Metric = "mentions"
	MetricReplies            Metric = "replies"
	MetricResponseRate       Metric = "response_rate"
	MetricResponseTimeP50    Metric = "response_time_p50_minutes"
	MetricResponseTimeP90    Metric = "response_time_p90_minutes"
	MetricSLAAttainment      Metric = "sla_attainment"
	MetricPostsPublished     Metric = "posts_published"
	MetricPostingConsistency Metric = "posting_consistency"
	MetricGiveAskRatio       Metric = "give_ask_ratio"
	MetricAdvocates          Metric = "advocates"
	MetricRedemptions        Metric = "redemptions"
	MetricSignups            Metric = "signups"
	MetricSales              Metric = "sales"
)

// MeasurableMetrics is the default set of metrics the linter accepts.
var MeasurableMetrics = []Metric{
	MetricFollowers, MetricCustomerFollowers, MetricFollowerCustomers, MetricEngagementRate,
	MetricConversationRate, MetricAmplificationRate, MetricApplauseRate, MetricImpressions,
	MetricReach, MetricClicks, MetricMentions, MetricReplies, MetricResponseRate,
	MetricResponseTimeP50, MetricResponseTimeP90, MetricSLAAttainment, MetricPostsPublished,
	MetricPostingConsistency, MetricGiveAskRatio, MetricAdvocates, MetricRedemptions,
	MetricSignups, MetricSales,
}

// Direction says which way a KPI should move.
type Direction string

// Directions. The empty Direction means AtLeast.
const (
	AtLeast Direction = "at_least" // higher is better: the target is a floor
	AtMost  Direction = "at_most"  // lower is better (response times): the target is a ceiling
)

// Goal is what the campaign must achieve, measured by its KPIs.
type Goal struct {
	Kind        GoalKind `json:"kind"`
	Description string   `json:"description,omitempty"`
	KPIs        []KPI    `json:"kpis"`
}

// KPI is one measurable target: a metric, the value to reach by a
// deadline, and checkpoints on the way where contingency rules look at it.
type KPI struct {
	// ID names the KPI within the plan; contingency rules and KPI values
	// refer to it.
	ID     string `json:"id"`
	Metric Metric `json:"metric"`
	// Platform restricts the KPI to one platform; empty means all.
	Platform  providers.Platform `json:"platform,omitempty"`
	Target    float64            `json:"target"`
	Direction Direction          `json:"direction,omitempty"`
	// Deadline is when Target must be reached, in the plan's time zone.
	Deadline    LocalTime    `json:"deadline"`
	Checkpoints []Checkpoint `json:"checkpoints,omitempty"`
}

// Checkpoint is a moment when a KPI is looked at, with the value expected
// by then.
type Checkpoint struct {
	Name string    `json:"name"`
	At   LocalTime `json:"at"`
	// Target is the value expected at this checkpoint (the pro-rata share
	// of the KPI's target, usually).
	Target float64 `json:"target"`
}

// better reports whether value meets threshold in the KPI's direction.
func (k KPI) meets(value, threshold float64) bool {
	if k.Direction == AtMost {
		return value <= threshold
	}
	return value >= threshold
}
