package dashboards

import (
	"encoding/json"
	"fmt"
)

// PanelQuery is one query of one panel, read back from a dashboard's JSON
// (what Grafana will run), for tests that execute every shipped query.
type PanelQuery struct {
	Dashboard     string // dashboard uid
	Panel         string // panel title
	PanelType     string
	RefID         string
	DatasourceUID string
	Text          string // PromQL expr or raw SQL
	Instant       bool   // PromQL instant query
	Format        string // SQL: table | time_series
}

// Variable is a dashboard template variable's query.
type Variable struct {
	Name, Query, DatasourceUID string
}

type jsonTarget struct {
	RefID      string `json:"refId"`
	Datasource struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Expr    string `json:"expr"`
	RawSQL  string `json:"rawSql"`
	Instant bool   `json:"instant"`
	Format  string `json:"format"`
}

type jsonPanel struct {
	Type    string       `json:"type"`
	Title   string       `json:"title"`
	Targets []jsonTarget `json:"targets"`
	Panels  []jsonPanel  `json:"panels"` // collapsed rows nest their panels
}

// ParseQueries returns every panel query and variable of a dashboard JSON.
func ParseQueries(dashboardJSON []byte) ([]PanelQuery, []Variable, error) {
	var d struct {
		UID        string      `json:"uid"`
		Panels     []jsonPanel `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Query      any    `json:"query"`
				Datasource struct {
					UID string `json:"uid"`
				} `json:"datasource"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(dashboardJSON, &d); err != nil {
		return nil, nil, err
	}
	var out []PanelQuery
	var walk func([]jsonPanel)
	walk = func(ps []jsonPanel) {
		for _, p := range ps {
			walk(p.Panels)
			for _, t := range p.Targets {
				text := t.Expr
				if t.RawSQL != "" {
					text = t.RawSQL
				}
				out = append(out, PanelQuery{
					Dashboard: d.UID, Panel: p.Title, PanelType: p.Type, RefID: t.RefID,
					DatasourceUID: t.Datasource.UID, Text: text, Instant: t.Instant, Format: t.Format,
				})
			}
		}
	}
	walk(d.Panels)
	var vars []Variable
	for _, v := range d.Templating.List {
		q, ok := v.Query.(string)
		if !ok {
			return nil, nil, fmt.Errorf("dashboard %s: variable %s: query is not a string", d.UID, v.Name)
		}
		vars = append(vars, Variable{Name: v.Name, Query: q, DatasourceUID: v.Datasource.UID})
	}
	return out, vars, nil
}
