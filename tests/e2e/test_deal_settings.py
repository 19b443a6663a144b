"""Settings -> Deals: an administrator adds a pipeline, adds and edits its stages (probability),
deletes a stage in use after choosing where its deal goes, makes the pipeline the default and
adds a lost reason."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlmodel import select

from crm_app import db
from crm_app.models import Deal, Pipeline, PipelineKind, Stage
from tests.e2e.conftest import login
from tests.factories import create_deal


def test_admin_manages_pipelines_and_stages(page: Page, admin, app_server):
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto("/settings")
    page.get_by_role("link", name="Deals: pipelines, stages, lost reasons").click()
    expect(page.locator("[data-loaded='deal-settings']")).to_be_visible()
    pipelines = page.get_by_test_id("pipelines")
    stages = page.get_by_test_id("stages")
    expect(pipelines.get_by_test_id("pipeline-row").first).to_contain_text("Default")
    expect(stages.get_by_test_id("stage-row")).to_have_count(7)

    # a new pipeline starts with four stages; the picker shows its stages, in the URL
    pipelines.get_by_label("Name").fill("Partners")
    pipelines.get_by_role("button", name="Add pipeline").click()
    expect(pipelines.get_by_test_id("pipeline-row")).to_have_count(2)
    stages.get_by_label("Pipeline").select_option(label="Partners")
    expect(stages.get_by_test_id("stages-of")).to_have_text("Partners")
    rows = stages.get_by_test_id("stage-row")
    expect(rows).to_have_count(4)
    assert "pipeline=" in page.url

    # a stage in progress goes before the won stage; a duplicate name is refused
    stages.get_by_label("Name").fill("Negotiation")
    stages.get_by_label("Probability, %").fill("80")
    stages.get_by_role("button", name="Add stage").click()
    expect(rows.nth(2)).to_contain_text("Negotiation")
    expect(rows.nth(2)).to_contain_text("80 %")
    expect(stages.get_by_label("Name")).to_have_value("")  # the add form was reset: type after it
    stages.get_by_label("Name").fill("negotiation")
    stages.get_by_role("button", name="Add stage").click()
    expect(stages.locator("#name-error")).to_have_text("This name is already used.")

    # its probability changes in the edit dialog
    rows.filter(has_text="Negotiation").get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Probability, %").fill("85")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(rows.filter(has_text="Negotiation")).to_contain_text("85 %")

    # a stage with a deal: the dialog asks where the deal goes
    with db.session(app_server.db_url) as s:
        partners = s.exec(select(Pipeline).where(Pipeline.name == "Partners")).one()
        deal_id = create_deal(s, pipeline=partners).id
        target = s.exec(
            select(Stage).where(Stage.pipeline_id == partners.id, Stage.name == "Negotiation")
        ).one()
    rows.first.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_test_id("delete-count")).to_have_text("1")
    dialog.get_by_label("Move them to").select_option(label="Negotiation")
    dialog.get_by_role("button", name="Move and delete").click()
    expect(dialog).to_be_hidden()
    expect(rows).to_have_count(4)
    with db.session(app_server.db_url) as s:
        assert (s.get(Deal, deal_id) or Deal()).stage_id == target.id

    # new deals go to Partners from now on
    pipelines.get_by_test_id("pipeline-row").filter(has_text="Partners").get_by_role(
        "button", name="Make default"
    ).click()
    expect(pipelines.get_by_test_id("pipeline-row").filter(has_text="Partners")).to_contain_text("Default")
    with db.session(app_server.db_url) as s:
        default = s.exec(
            select(Pipeline).where(Pipeline.kind == PipelineKind.DEAL, Pipeline.is_default == True)  # noqa: E712
        ).one()
        assert default.name == "Partners"

    # a lost reason
    reasons = page.get_by_test_id("reasons")
    reasons.get_by_label("Name").fill("Project cancelled")
    reasons.get_by_role("button", name="Add reason").click()
    expect(reasons.get_by_test_id("reason-row").last).to_contain_text("Project cancelled")
