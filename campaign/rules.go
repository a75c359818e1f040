package campaign

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// IDs of the default rules.
const (
	RuleInvalidPlan         = "invalid-plan"
	RuleNoGoal              = "no-goal"
	RuleUnmeasurableKPI     = "unmeasurable-kpi"
	RulePromotionBeforeGive = "promotion-before-give"
	RulePromotionalShare    = "promotional-share"
	RuleCadenceGap          = "cadence-gap"
	RuleCadenceBurst        = "cadence-burst"
	RuleReplyStaffing       = "reply-staffing"
	RuleReviewStaffing      = "review-staffing"
	RuleNearDuplicate       = "near-duplicate"
	RuleCannedCopy          = "canned-copy"
	RuleTemplateCopy        = "template-copy"
	RuleOverLimit           = "over-limit"
	RuleOfferIncomplete     = "offer-incomplete"
)

// DefaultRules returns a fresh set of the built-in rules, in a stable
// order.
func DefaultRules() []Rule {
	return []Rule{
		RuleFunc(RuleInvalidPlan, checkInvalidPlan),
		RuleFunc(RuleNoGoal, checkNoGoal),
		RuleFunc(RuleUnmeasurableKPI, checkUnmeasurableKPI),
		RuleFunc(RulePromotionBeforeGive, checkPromotionBeforeGive),
		RuleFunc(RulePromotionalShare, checkPromotionalShare),
		RuleFunc(RuleCadenceGap, checkCadenceGap),
		RuleFunc(RuleCadenceBurst, checkCadenceBurst),
		RuleFunc(RuleReplyStaffing, checkReplyStaffing),
		RuleFunc(RuleReviewStaffing, checkReviewStaffing),
		RuleFunc(RuleNearDuplicate, checkNearDuplicate),
		RuleFunc(RuleCannedCopy, checkCannedCopy),
		RuleFunc(RuleTemplateCopy, checkTemplateCopy),
		RuleFunc(RuleOverLimit, checkOverLimit),
		RuleFunc(RuleOfferIncomplete, checkOfferIncomplete),
	}
}

func fmtTime(t time.Time) string { return t.Format("Mon 2 Jan 15:04") }

func checkInvalidPlan(s *Subject) []Finding {
	var out []Finding
	for _, fe := range validate(s.Plan) {
		if strings.HasPrefix(fe.Field, "goals") {
			continue // no-goal and unmeasurable-kpi report these
		}
		out = append(out, Finding{Severity: Error, Item: fe.Field, Message: fe.Problem, Advice: "fix the field: the plan cannot run as it is"})
	}
	return out
}

func checkNoGoal(s *Subject) []Finding {
	p := s.Plan
	if len(p.Goals) == 0 {
		return []Finding{{Severity: Error, Item: "plan", Message: "the plan has no goal",
			Advice: "set a goal (brand awareness, product launch, sales...) with at least one KPI: without one nobody can tell whether the campaign worked"}}
	}
	var out []Finding
	for i, g := range p.Goals {
		item := fmt.Sprintf("goal[%d]", i)
		if !g.Kind.Known() {
			out = append(out, Finding{Severity: Error, Item: item, Message: fmt.Sprintf("unknown goal kind %q", g.Kind),
				Advice: fmt.Sprintf("use one of %v", GoalKinds)})
		}
		if len(g.KPIs) == 0 {
			out = append(out, Finding{Severity: Error, Item: item, Message: fmt.Sprintf("goal %q has no KPI", g.Kind),
				Advice: "add a KPI: a metric, a target and a deadline (e.g. 50 redemptions of the launch code by the end of the month)"})
		}
	}
	return out
}

func checkUnmeasurableKPI(s *Subject) []Finding {
	measurable := append(slices.Clone(MeasurableMetrics), s.Config.Measurable...)
	var first time.Time
	for _, it := range s.Items {
		if first.IsZero() || it.Time.Before(first) {
			first = it.Time
		}
	}
	var out []Finding
	for _, g := range s.Plan.Goals {
		for _, k := range g.KPIs {
			item := "kpi:" + k.ID
			switch {
			case k.Metric == "":
				out = append(out, Finding{Severity: Error, Item: item, Message: "the KPI names no metric",
					Advice: "pick a metric rapport measures, e.g. " + string(MetricEngagementRate)})
			case !slices.Contains(measurable, k.Metric):
				out = append(out, Finding{Severity: Error, Item: item, Message: fmt.Sprintf("metric %q cannot be measured", k.Metric),
					Advice: "use a measurable metric (conversation rate, response time, redemptions...) or declare how you measure it in LintConfig.Measurable"})
			}
			if k.Target <= 0 {
				out = append(out, Finding{Severity: Error, Item: item, Message: "the KPI has no target",
					Advice: "set the value to reach, e.g. 50 redemptions"})
			}
			if !k.Deadline.Valid() {
				out = append(out, Finding{Severity: Error, Item: item, Message: "the KPI has no valid deadline",
					Advice: "set the date by which the target must be reached"})
			} else if !first.IsZero() && !s.Resolve(k.Deadline).After(first) {
				out = append(out, Finding{Severity: Warning, Item: item, Message: fmt.Sprintf("the deadline %s comes before the first post", k.Deadline),
					Advice: "move the deadline after the campaign runs"})
			}
			if len(k.Checkpoints) == 0 {
				out = append(out, Finding{Severity: Warning, Item: item, Message: "the KPI has no checkpoint",
					Advice: "add a checkpoint (halfway, with the value expected by then) so a contingency rule can act before the deadline"})
			}
		}
	}
	return out
}

// asks and gives count per kind.
func isAsk(it ScheduledItem) bool { return it.EffectiveKind() == Ask }

func isGive(it ScheduledItem) bool {
	k := it.EffectiveKind()
	return k == Give || k == Engage
}

func checkPromotionBeforeGive(s *Subject) []Finding {
	var out []Finding
	var give *Phase
	for i, ph := range s.Plan.Phases {
		if ph.Kind == PhaseGive && ph.Start.Valid() && ph.End.Valid() && (give == nil || ph.Start.Before(give.Start)) {
			give = &s.Plan.Phases[i]
		}
	}
	for _, ph := range s.Plan.Phases {
		if (ph.Kind == PhaseAsk || ph.Kind == PhaseLaunch) && ph.Start.Valid() {
			switch {
			case give == nil:
				out = append(out, Finding{Severity: Warning, Item: "phase:" + ph.Name, Message: fmt.Sprintf("%s phase %q has no give phase before it", ph.Kind, ph.Name),
					Advice: "plan a give period first (useful tips, answers, sharing others' work) so followers have a reason to listen when you ask"})
			case ph.Start.Before(give.End):
				out = append(out, Finding{Severity: Error, Item: "phase:" + ph.Name, Message: fmt.Sprintf("%s phase %q starts %s, before the give phase %q ends (%s)", ph.Kind, ph.Name, ph.Start, give.Name, give.End),
					Advice: "start asking only once the give period is over"})
			}
		}
	}
	for _, tl := range s.Timelines() {
		if give != nil {
			end := s.Resolve(give.End)
			for _, it := range tl.Items {
				if isAsk(it) && it.Time.Before(end) {
					out = append(out, Finding{Severity: Error, Item: it.ID, Platform: it.Platform, Branch: tl.Branch,
						Message: fmt.Sprintf("promotional post on %s before the give phase %q ends (%s)", fmtTime(it.Time), give.Name, fmtTime(end)),
						Advice:  "move it after the give period, or rewrite it to give something without asking"})
				}
			}
			continue
		}
		gives := map[providers.Platform]int{}
		for _, it := range tl.Items {
			switch {
			case isGive(it):
				gives[it.Platform]++
			case isAsk(it) && gives[it.Platform] < s.Config.MinGiveBeforeAsk:
				out = append(out, Finding{Severity: Error, Item: it.ID, Platform: it.Platform, Branch: tl.Branch,
					Message: fmt.Sprintf("promotional post after only %d give/engage post(s) on %s (at least %d wanted first)", gives[it.Platform], it.Platform, s.Config.MinGiveBeforeAsk),
					Advice:  "give before you ask: schedule helpful or conversational posts first, or add a give phase"})
			}
		}
	}
	return out
}

func checkPromotionalShare(s *Subject) []Finding {
	ratio := s.Config.MaxAskRatio
	limit := fmt.Sprintf("at most %.0f%%", ratio*100)
	if inv := 1 / ratio; math.Abs(inv-math.Round(inv)) < 1e-9 {
		limit = fmt.Sprintf("at most 1 in %d", int(math.Round(inv)))
	}
	var out []Finding
	for _, tl := range s.Timelines() {
		type tally struct {
			asks, total int
			lastAsk     string
		}
		perPlatform := map[providers.Platform]*tally{}
		perWeek := map[string]*tally{}
		for _, it := range tl.Items {
			pt := perPlatform[it.Platform]
			if pt == nil {
				pt = &tally{}
				perPlatform[it.Platform] = pt
			}
			y, w := it.Time.In(s.Location).ISOWeek()
			wk := fmt.Sprintf("%s %d-W%02d", it.Platform, y, w)
			wt := perWeek[wk]
			if wt == nil {
				wt = &tally{}
				perWeek[wk] = wt
			}
			pt.total++
			wt.total++
			if isAsk(it) {
				pt.asks++
				wt.asks++
				pt.lastAsk, wt.lastAsk = it.ID, it.ID
			}
		}
		for _, p := range sortedKeys(perPlatform) {
			t := perPlatform[p]
			if float64(t.asks) > ratio*float64(t.total)+1e-9 {
				out = append(out, Finding{Severity: Warning, Item: "platform:" + string(p), Platform: p, Branch: tl.Branch,
					Message: fmt.Sprintf("%d of %d posts on %s ask for something (%.0f%%); %s", t.asks, t.total, p, 100*float64(t.asks)/float64(t.total), limit),
					Advice:  "turn some asks into give or engage posts, or add posts that help without selling"})
			}
		}
		for _, wk := range sortedKeys(perWeek) {
			t := perWeek[wk]
			if t.total >= 5 && float64(t.asks) > ratio*float64(t.total)+1e-9 {
				out = append(out, Finding{Severity: Warning, Item: t.lastAsk, Platform: providers.Platform(strings.Fields(wk)[0]), Branch: tl.Branch,
					Message: fmt.Sprintf("week %s: %d of %d posts ask for something; %s", wk, t.asks, t.total, limit),
					Advice:  "spread the asks over the campaign"})
			}
		}
	}
	return out
}

// byPlatform splits items per platform, keeping order.
func byPlatform(items []ScheduledItem) map[string][]ScheduledItem {
	out := map[string][]ScheduledItem{}
	for _, it := range items {
		out[string(it.Platform)] = append(out[string(it.Platform)], it)
	}
	return out
}

func checkCadenceGap(s *Subject) []Finding {
	var out []Finding
	start := time.Time{}
	for _, ph := range s.Plan.Phases {
		if ph.Start.Valid() {
			if t := s.Resolve(ph.Start); start.IsZero() || t.Before(start) {
				start = t
			}
		}
	}
	for _, tl := range s.Timelines() {
		for _, p := range sortedKeys(byPlatform(tl.Items)) {
			items := byPlatform(tl.Items)[p]
			platform := providers.Platform(p)
			if _, ok := s.Plan.CadenceAt(platform, items[0].Time); !ok && tl.Branch == "" {
				out = append(out, Finding{Severity: Info, Item: "platform:" + p, Platform: platform,
					Message: fmt.Sprintf("no cadence target for %s", p),
					Advice:  "set posts per week for the platform, so gaps and bursts can be checked"})
			}
			prev := start
			prevID := "the campaign start"
			for _, it := range items {
				c, ok := s.Plan.CadenceAt(platform, it.Time)
				if ok && c.maxGap() > 0 && !prev.IsZero() && it.Time.Sub(prev) > c.maxGap() {
					out = append(out, Finding{Severity: Warning, Item: it.ID, Platform: platform, Branch: tl.Branch,
						Message: fmt.Sprintf("%s without a post on %s (after %s, %s); the cadence allows %s", fmtDur(it.Time.Sub(prev)), p, prevID, fmtTime(prev.In(s.Location)), fmtDur(c.maxGap())),
						Advice:  "fill the gap: consistency matters more than volume"})
				}
				prev, prevID = it.Time, it.ID
			}
		}
	}
	return out
}

func checkCadenceBurst(s *Subject) []Finding {
	var out []Finding
	for _, tl := range s.Timelines() {
		groups := byPlatform(tl.Items)
		for _, p := range sortedKeys(groups) {
			platform := providers.Platform(p)
			perDay := map[string]int{}
			var prev *ScheduledItem
			for i, it := range groups[p] {
				c, _ := s.Plan.CadenceAt(platform, it.Time)
				c.Platform = platform
				day := it.Time.In(s.Location).Format("2006-01-02")
				perDay[day]++
				if perDay[day] == c.maxPerDay()+1 {
					out = append(out, Finding{Severity: Warning, Item: it.ID, Platform: platform, Branch: tl.Branch,
						Message: fmt.Sprintf("more than %d posts on %s on %s", c.maxPerDay(), p, day),
						Advice:  "spread the posts over the week: bursts tire followers and leave gaps elsewhere"})
				}
				if prev != nil && it.Time.Sub(prev.Time) < c.minSpacing() {
					out = append(out, Finding{Severity: Warning, Item: it.ID, Platform: platform, Branch: tl.Branch,
						Message: fmt.Sprintf("published %s after %s on %s", fmtDur(it.Time.Sub(prev.Time)), prev.ID, p),
						Advice:  fmt.Sprintf("leave at least %s between posts", fmtDur(c.minSpacing()))})
				}
				prev = &groups[p][i]
			}
		}
	}
	return out
}

// shiftCoverage reports whether a shift on the platform overlaps the
// interval [t, t+window).
func shiftCoverage(s *Subject, platform providers.Platform, t time.Time, window time.Duration) bool {
	local := t.In(s.Location)
	end := local.Add(window)
	for _, sh := range s.Plan.Staffing.Shifts {
		if !sh.covers(platform) {
			continue
		}
		if _, ok := s.Plan.Staffing.Member(sh.Member); !ok {
			continue
		}
		for d := -1; d <= int(window/(24*time.Hour))+1; d++ {
			day := local.AddDate(0, 0, d)
			if !sh.runsOn(day.Weekday()) {
				continue
			}
			from, _ := Local(day.Year(), day.Month(), day.Day(), sh.Start.Hour, sh.Start.Minute).Resolve(s.Location)
			to := from.Add(time.Duration(sh.hours() * float64(time.Hour)))
			if from.Before(end) && local.Before(to) {
				return true
			}
		}
	}
	return false
}

func checkReplyStaffing(s *Subject) []Finding {
	var out []Finding
	shifts := s.Plan.Staffing.Shifts
	for _, p := range s.Platforms() {
		covered := false
		for _, sh := range shifts {
			if _, ok := s.Plan.Staffing.Member(sh.Member); ok && sh.covers(p) {
				covered = true
			}
		}
		if !covered {
			n := 0
			for _, it := range s.Items {
				if it.Platform == p && it.Branch == "" {
					n++
				}
			}
			out = append(out, Finding{Severity: Error, Item: "platform:" + string(p), Platform: p,
				Message: fmt.Sprintf("nobody is scheduled to answer on %s, where %d post(s) are planned", p, n),
				Advice:  "add a reply shift (a team member, the days and hours) that covers the platform: unanswered comments cost more than silence"})
			continue
		}
		for _, it := range s.Items {
			if it.Platform == p && !shiftCoverage(s, p, it.Time, s.Config.ReplyWindow) {
				out = append(out, Finding{Severity: Warning, Item: it.ID, Platform: p, Branch: it.Branch,
					Message: fmt.Sprintf("published %s, but nobody answers on %s within %s", fmtTime(it.Time.In(s.Location)), p, fmtDur(s.Config.ReplyWindow)),
					Advice:  "move the post into (or just before) a reply shift, or extend the shift"})
			}
		}
	}
	// Weekly capacity: expected replies against shift hours.
	if len(shifts) > 0 {
		weeks := map[string]int{}
		for _, it := range s.Items {
			if it.Branch != "" {
				continue
			}
			y, w := it.Time.In(s.Location).ISOWeek()
			weeks[fmt.Sprintf("%d-W%02d", y, w)]++
		}
		capacity := 0.0
		for _, sh := range shifts {
			if _, ok := s.Plan.Staffing.Member(sh.Member); !ok {
				continue
			}
			days := 7
			if len(sh.Days) > 0 {
				days = len(sh.Days)
			}
			capacity += float64(days) * sh.hours() * float64(sh.rate())
		}
		for _, wk := range sortedKeys(weeks) {
			expected := float64(weeks[wk]) * s.Config.RepliesPerPost
			if expected > capacity {
				out = append(out, Finding{Severity: Warning, Item: "staffing",
					Message: fmt.Sprintf("week %s: %d posts may draw about %.0f replies; the reply shifts can answer about %.0f", wk, weeks[wk], expected, capacity),
					Advice:  "add reply hours or people, or post less that week"})
			}
		}
	}
	return out
}

func checkReviewStaffing(s *Subject) []Finding {
	if len(s.Plan.Calendar) == 0 {
		return nil
	}
	approvers := s.Plan.Staffing.WithRole(RoleApprover)
	if len(approvers) == 0 {
		return []Finding{{Severity: Error, Item: "staffing", Message: "nobody on the team can approve posts",
			Advice: "give someone the approver role: only approved drafts publish"}}
	}
	authors := s.Plan.Staffing.WithRole(RoleAuthor)
	if len(approvers) == 1 && len(authors) == 1 && authors[0] == approvers[0] {
		return []Finding{{Severity: Warning, Item: "staffing", Message: fmt.Sprintf("%s writes and approves every post alone", approvers[0]),
			Advice: "add a second approver or author: drafts cannot be approved by the person who submitted them"}}
	}
	return nil
}

func checkNearDuplicate(s *Subject) []Finding {
	var out []Finding
	indexes := map[string]*DupIndex{}
	index := func(key string) *DupIndex {
		x := indexes[key]
		if x == nil {
			x = NewDupIndex(s.Config.DupThreshold)
			indexes[key] = x
		}
		return x
	}
	var shared *DupIndex // any index: they share their hashing
	when := map[string]time.Time{}
	for i, it := range s.Items {
		scope := ""
		if s.Config.CrossPosting {
			scope = string(it.Platform)
		}
		main := index(scope + "\x00")
		if shared == nil {
			shared = main
		}
		d := s.dupDoc(shared, i)
		m, ok := main.Nearest(d)
		if it.Branch != "" {
			bx := index(scope + "\x00" + it.Branch)
			if bm, bok := bx.Nearest(d); bok && (!ok || bm.Similarity > m.Similarity) {
				m, ok = bm, true
			}
			bx.Add(it.ID, d)
		} else {
			main.Add(it.ID, d)
		}
		when[it.ID] = it.Time
		if ok {
			out = append(out, Finding{Severity: Warning, Item: it.ID, Platform: it.Platform, Branch: it.Branch,
				Message: fmt.Sprintf("copy is %.0f%% the same as %s (%s)", m.Similarity*100, m.ID, fmtTime(when[m.ID].In(s.Location))),
				Advice:  "write each post for its moment and its platform; rephrase it or drop one"})
		}
	}
	return out
}

func checkCannedCopy(s *Subject) []Finding {
	if len(s.History) == 0 {
		return nil
	}
	hist := NewDupIndex(s.Config.DupThreshold)
	byID := map[string]providers.Post{}
	for _, p := range s.History {
		id := p.ID
		if id == "" {
			id = fmt.Sprintf("history[%d]", len(byID))
		}
		byID[id] = p
		hist.Add(id, hist.Prepare(p.Text))
	}
	var out []Finding
	for i, it := range s.Items {
		m, ok := hist.Nearest(s.dupDoc(hist, i))
		if !ok {
			continue
		}
		p := byID[m.ID]
		when := ""
		if !p.CreatedAt.IsZero() {
			when = " of " + p.CreatedAt.In(s.Location).Format("2 Jan 2006")
		}
		out = append(out, Finding{Severity: Warning, Item: it.ID, Platform: it.Platform, Branch: it.Branch,
			Message: fmt.Sprintf("copy is %.0f%% the same as your earlier post %s%s", m.Similarity*100, m.ID, when),
			Advice:  "canned copy reads as automated: say something new, or share the old post instead"})
	}
	return out
}

var placeholderPattern = regexp.MustCompile(`\{\{[^}]*\}\}|\{[A-Za-z_]+\}|\[\s*(?i:insert|name|product|link|url|date|price|code|tbd|todo|xxx|your)[^\]]*\]|<\s*(?i:insert|name|product|link|url|date|price|code)[^>]*>|(?i:\blorem ipsum\b)|\bTODO\b|\bTBD\b|\bXXX\b`)

// mayHavePlaceholder is a cheap filter run before placeholderPattern.
func mayHavePlaceholder(s string) bool {
	if strings.ContainsAny(s, "{[<") || strings.Contains(s, "TODO") || strings.Contains(s, "TBD") || strings.Contains(s, "XXX") {
		return true
	}
	return strings.Contains(strings.ToLower(s), "lorem")
}

func checkTemplateCopy(s *Subject) []Finding {
	var out []Finding
	for _, it := range s.Items {
		body := it.Draft.Body()
		if !mayHavePlaceholder(body) {
			continue
		}
		if m := placeholderPattern.FindString(body); m != "" {
			out = append(out, Finding{Severity: Error, Item: it.ID, Platform: it.Platform, Branch: it.Branch,
				Message: fmt.Sprintf("template copy: unfilled placeholder %q", m),
				Advice:  "fill in the placeholder before the post goes to review"})
		}
	}
	return out
}

func checkOverLimit(s *Subject) []Finding {
	var out []Finding
	for _, it := range s.Items {
		l := MeasureWithLimits(it.Platform, it.Draft.Body(), s.Config.Limits[it.Platform])
		if l.Over() {
			out = append(out, Finding{Severity: Error, Item: it.ID, Platform: it.Platform, Branch: it.Branch,
				Message: fmt.Sprintf("too long for %s: %s", it.Platform, l),
				Advice:  "shorten it, or split it into a thread"})
		}
		lim := s.Config.Limits[it.Platform]
		if lim.MaxMedia > 0 && len(it.Draft.Media) > lim.MaxMedia {
			out = append(out, Finding{Severity: Error, Item: it.ID, Platform: it.Platform, Branch: it.Branch,
				Message: fmt.Sprintf("%d media attachments; %s allows %d", len(it.Draft.Media), it.Platform, lim.MaxMedia),
				Advice:  "drop some attachments"})
		}
	}
	return out
}

func checkOfferIncomplete(s *Subject) []Finding {
	var out []Finding
	for _, o := range s.Plan.Offers {
		item := "offer:" + o.ID
		var posted []providers.Platform
		for _, it := range s.Items {
			if it.OfferID == o.ID && !slices.Contains(posted, it.Platform) {
				posted = append(posted, it.Platform)
			}
		}
		slices.Sort(posted)
		if len(posted) == 0 {
			out = append(out, Finding{Severity: Warning, Item: item, Message: fmt.Sprintf("offer %q is never posted", o.Title),
				Advice: "link calendar items to the offer (OfferID) or drop it"})
		}
		for _, p := range posted {
			if strings.TrimSpace(o.Codes[p]) == "" {
				out = append(out, Finding{Severity: Error, Item: item, Platform: p, Message: fmt.Sprintf("offer %q has no redemption code for %s, where it is posted", o.Title, p),
					Advice: "give each platform its own code, so every redemption is attributed to the platform that earned it"})
			}
		}
		seen := map[string]providers.Platform{}
		for _, p := range sortedKeys(o.Codes) {
			c := strings.ToUpper(strings.TrimSpace(o.Codes[p]))
			if c == "" {
				continue
			}
			if q, dup := seen[c]; dup {
				out = append(out, Finding{Severity: Error, Item: item, Message: fmt.Sprintf("%s and %s share the code %q", q, p, c),
					Advice: "use a different code per platform, or redemptions cannot be attributed"})
			}
			seen[c] = p
		}
		if o.EmailCode != "" {
			if q, dup := seen[strings.ToUpper(o.EmailCode)]; dup {
				out = append(out, Finding{Severity: Error, Item: item, Message: fmt.Sprintf("the email code is the same as %s's", q),
					Advice: "give the email list its own code"})
			}
		}
		switch {
		case !o.FollowersFrom.Valid() || !o.EmailFrom.Valid() || !o.Until.Valid():
			out = append(out, Finding{Severity: Error, Item: item, Message: fmt.Sprintf("offer %q has no complete window (followers from, email from, until)", o.Title),
				Advice: "set when followers get it, when it goes to the email list, and when it ends: a followers-only window is what makes it social-first"})
		case !o.FollowersFrom.Before(o.EmailFrom):
			out = append(out, Finding{Severity: Error, Item: item, Message: fmt.Sprintf("the email list gets the offer (%s) no later than followers (%s)", o.EmailFrom, o.FollowersFrom),
				Advice: "open the followers-only window before the email goes out"})
		case !o.EmailFrom.Before(o.Until):
			out = append(out, Finding{Severity: Error, Item: item, Message: fmt.Sprintf("the offer ends (%s) before it reaches the email list (%s)", o.Until, o.EmailFrom),
				Advice: "end the offer after the email goes out"})
		}
	}
	for _, it := range s.Items {
		if it.OfferID == "" {
			continue
		}
		o, ok := s.Plan.Offer(it.OfferID)
		if !ok {
			continue // invalid-plan reports it
		}
		if c := o.Codes[it.Platform]; c != "" && !strings.Contains(strings.ToUpper(it.Draft.Body()), strings.ToUpper(c)) {
			out = append(out, Finding{Severity: Warning, Item: it.ID, Platform: it.Platform, Branch: it.Branch,
				Message: fmt.Sprintf("the post does not show the %s code %q", it.Platform, c),
				Advice:  "put the platform's code in the post so redemptions are attributed"})
		}
		if o.FollowersFrom.Valid() && o.EmailFrom.Valid() {
			from, email := s.Resolve(o.FollowersFrom), s.Resolve(o.EmailFrom)
			switch {
			case it.Time.Before(from):
				out = append(out, Finding{Severity: Warning, Item: it.ID, Platform: it.Platform, Branch: it.Branch,
					Message: fmt.Sprintf("posted %s, before the offer opens (%s)", fmtTime(it.Time.In(s.Location)), o.FollowersFrom),
					Advice:  "post it when the followers-only window opens"})
			case !it.Time.Before(email):
				out = append(out, Finding{Severity: Warning, Item: it.ID, Platform: it.Platform, Branch: it.Branch,
					Message: fmt.Sprintf("posted %s, after the offer went to the email list (%s): followers are not first", fmtTime(it.Time.In(s.Location)), o.EmailFrom),
					Advice:  "post it inside the followers-only window"})
			}
		}
	}
	return out
}
