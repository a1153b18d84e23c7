# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Pilot Workbench
#     language: python
#     name: pilot-workbench
# ---

# %% [markdown] tags=["remove-cell"]
# # Pilot evaluation: one region
#
# What changed in this region's pilot practices, compared with practices that did not take
# part, and how sure we can be. Run for every region by `workbench run`; open in JupyterLab to
# explore one region. Report texts come from `analysis.evaluation.texts` (English and Dutch).

# %% tags=["parameters"]
region_id: str = "NL-NLI"  # region id from the regions table
processed_dir: str = ""  # folder written by `workbench ingest`; "": from workbench.toml
outcomes: list = ["referral_rate_medical_specialist", "gp_contact_rate"]  # panel columns
language: str = "en"  # report language: "en" or "nl"
study_name: str = "Pilot evaluation"  # shown in the report header
disclosure_threshold: int = 10  # counts below this are suppressed

# %% tags=["remove-cell"]
from IPython.display import Markdown, display

from analysis.config import find_study
from analysis.evaluation import describe_effects, evaluate_region, load_region, write_results
from analysis.evaluation.findings import effects_overview
from analysis.evaluation.profile import (
    action_log,
    data_caveats,
    intervention_timeline,
    plot_event_study,
    plot_trends,
    region_profile,
    show,
    show_table,
)
from analysis.evaluation.texts import report_text
from analysis.notebooks import check_parameters

check_parameters()  # refuses a parameter this notebook does not declare (papermill -p)
assert language in ("en", "nl"), f"language must be 'en' or 'nl', not {language!r}"
assert disclosure_threshold >= 1, "disclosure_threshold must be at least 1"
study = find_study(processed_dir=processed_dir)  # workbench.toml's folders, unless given
data = load_region(study.processed_dir, region_id)
evaluation = evaluate_region(data, list(outcomes))

# %% tags=["remove-input"]
region = data.region
display(
    Markdown(
        report_text(
            "title", language, name=region["name"], region_id=region_id, country=region["country"]
        )
    )
)

# %% tags=["remove-input"]
display(Markdown(report_text("profile", language)))
show_table(region_profile(data, threshold=disclosure_threshold), precision=1, language=language)
display(Markdown(report_text("interventions", language)))
show_table(intervention_timeline(data), language=language)
display(Markdown(report_text("action_log", language)))
show_table(action_log(data), language=language)

# %% tags=["remove-input"]
display(Markdown(report_text("trends", language)))
for outcome in outcomes:
    show(plot_trends(data, outcome, language))

# %% tags=["remove-input"]
display(Markdown(report_text("effects", language, design=evaluation.design)))
show_table(effects_overview(evaluation.effects, language))
for (outcome, method), fit in evaluation.fits.items():
    if method == "att_gt":
        show(plot_event_study(fit, outcome, language))

# %% tags=["remove-input"]
display(Markdown(report_text("findings", language)))
display(Markdown(describe_effects(evaluation.effects, language)))

# %% tags=["remove-input"]
display(Markdown(report_text("caveats", language)))
caveats = data_caveats(data, language, evaluation)
display(Markdown("\n".join(f"- {c}" for c in caveats) or report_text("no_caveats", language)))

# %% tags=["remove-cell"]
write_results(evaluation, "results.json")
