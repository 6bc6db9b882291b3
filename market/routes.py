"""Every route of the app in one list, each with a dotted name and who may reach it."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.convertors import IntegerConvertor, register_url_convertor
from starlette.routing import BaseRoute, Mount, Route

from market.accounts import api as accounts_api
from market.accounts import views as accounts
from market.alerts import api as alerts_api
from market.alerts import views as alerts
from market.assets import STATIC_DIR, AssetFiles
from market.audit import views as audit
from market.bids import api as bids_api
from market.bids import views as bids
from market.competencies import api as competencies_api
from market.competencies import views as competencies
from market.conduct import api as conduct_api
from market.conduct import views as conduct
from market.contributions import api as contributions_api
from market.contributions import views as contributions
from market.core import dev
from market.core import views as core
from market.legal import views as legal
from market.opendata import api as opendata_api
from market.opendata import views as opendata
from market.privacy import api as privacy_api
from market.privacy import views as privacy
from market.security.permissions import ANYONE, SIGNED_IN, Allow, Endpoint, guard, roles
from market.shortlists import api as shortlists_api
from market.shortlists import views as shortlists
from market.solutions import api as solutions_api
from market.solutions import views as solutions
from market.tasks import api as tasks_api
from market.tasks import views as tasks
from market.vendors import api as vendors_api
from market.vendors import views as vendors


class IdConvertor(IntegerConvertor):
    # Path ids ({id:int}) fit the 32-bit id columns: a longer number matches no route (a 404)
    # instead of overflowing inside the database driver (a 500).
    regex = "[0-9]{1,9}"


register_url_convertor("int", IdConvertor())

GET = ("GET",)
POST = ("POST",)
FORM = ("GET", "POST")

SECRETARIAT = roles("secretariat")
METRICS_READERS = roles("secretariat", rule="or an address in METRICS_ALLOWED_ADDRESSES")
# solutions, wishes, tasks
COORDINATOR = roles("coordinator", rule="coordinator of this solution")
MUNICIPALITY = roles("municipality", rule="own municipality")
STAFF = roles("municipality", "coordinator", "secretariat")
VENDOR = roles("vendor_admin", "vendor_member", rule="invited or eligible vendor")
VENDOR_ADMIN = roles("vendor_admin", rule="administrator of this vendor")
VENDOR_USERS = roles("vendor_admin", "vendor_member", rule="users of this vendor")
SHORTLIST_READERS = roles("coordinator", "secretariat", rule="coordinator of this solution")
# bids
EVALUATORS = roles("coordinator", "municipality", rule="evaluator of this task")


def page(
    path: str, endpoint: Endpoint, name: str, allow: Allow, methods: Sequence[str] = GET
) -> Route:
    return Route(path, guard(endpoint, allow, api=False), name=name, methods=list(methods))


def api(
    path: str, endpoint: Endpoint, name: str, allow: Allow, methods: Sequence[str] = GET
) -> Route:
    return Route(
        f"/api/v1{path}",
        guard(endpoint, allow, api=True),
        name=f"api.{name}",
        methods=list(methods),
    )


routes: list[BaseRoute] = [
    # --- core
    page("/", core.home, "home", ANYONE),
    Route("/healthz", core.healthz, name="healthz", methods=["GET"]),
    Route(
        "/metrics",
        core.metrics_readers(core.metrics, METRICS_READERS),
        name="core.metrics",
        methods=["GET"],
    ),
    page("/dev/outbox", core.dev_outbox, "dev.outbox", ANYONE),
    page("/dev/clock", dev.dev_clock, "dev.clock", ANYONE, FORM),
    # --- public pages the law asks for (the privacy page is with privacy below)
    page("/tilgaengelighed", legal.accessibility, "legal.accessibility", ANYONE),
    page("/cookies", legal.cookies, "legal.cookies", ANYONE),
    page("/.well-known/security.txt", legal.security_txt, "legal.security_txt", ANYONE),
    page("/robots.txt", legal.robots_txt, "legal.robots_txt", ANYONE),
    page("/dev/outbox/{id:int}", core.dev_outbox_message, "dev.outbox_message", ANYONE),
    # --- accounts
    page("/login", accounts.login, "accounts.login", ANYONE, FORM),
    page("/logout", accounts.logout, "accounts.logout", SIGNED_IN, POST),
    page(
        "/logout/everywhere",
        accounts.logout_everywhere,
        "accounts.logout_everywhere",
        SIGNED_IN,
        POST,
    ),
    page("/password/forgot", accounts.forgot_password, "accounts.forgot", ANYONE, FORM),
    page("/password/reset/{secret}", accounts.reset_password, "accounts.reset", ANYONE, FORM),
    page("/account", accounts.account, "accounts.account", SIGNED_IN),
    page("/account/password", accounts.change_password, "accounts.password", SIGNED_IN, POST),
    page("/account/tokens", accounts.create_token, "accounts.token_create", SIGNED_IN, POST),
    page(
        "/account/tokens/{id:int}/revoke",
        accounts.revoke_token,
        "accounts.token_revoke",
        SIGNED_IN,
        POST,
    ),
    page("/account/role", accounts.switch_role, "accounts.role", SIGNED_IN, POST),
    page("/language", accounts.set_language, "accounts.language", ANYONE, POST),
    # --- audit
    page("/secretariat/audit", audit.audit_log, "audit.log", SECRETARIAT),
    # --- solutions, wishes, releases and tasks
    page("/solutions", solutions.solution_list, "solutions.list", ANYONE),
    page("/solutions/{id:int}", solutions.solution_detail, "solutions.detail", ANYONE),
    page("/solutions/{id:int}/wishes/new", solutions.wish_new, "wishes.new", MUNICIPALITY, FORM),
    page(
        "/solutions/{id:int}/import-jira",
        solutions.jira_import,
        "solutions.import_jira",
        COORDINATOR,
        FORM,
    ),
    page(
        "/solutions/{id:int}/releases/new", solutions.release_new, "releases.new", COORDINATOR, FORM
    ),
    page("/wishes", solutions.wish_list, "wishes.list", ANYONE),
    page("/wishes/{id:int}", solutions.wish_detail, "wishes.detail", ANYONE),
    page("/wishes/{id:int}/support", solutions.wish_support, "wishes.support", MUNICIPALITY, POST),
    page("/wishes/{id:int}/comments", solutions.wish_comment, "wishes.comment", STAFF, POST),
    page("/wishes/{id:int}/status", solutions.wish_status, "wishes.status", COORDINATOR, POST),
    page("/releases", solutions.release_list, "releases.list", COORDINATOR),
    page("/releases/{id:int}", solutions.release_board, "releases.board", ANYONE),
    page("/releases/{id:int}/wishes", solutions.release_plan, "releases.plan", COORDINATOR, POST),
    page("/tasks", tasks.task_list, "tasks.list", ANYONE),
    page("/tasks/new", tasks.task_new, "tasks.new", COORDINATOR, FORM),
    page("/tasks/{id:int}", tasks.task_detail, "tasks.detail", ANYONE),
    page("/tasks/{id:int}/edit", tasks.task_edit, "tasks.edit", COORDINATOR, FORM),
    page("/tasks/{id:int}/publish", tasks.task_publish, "tasks.publish", COORDINATOR, POST),
    page("/tasks/{id:int}/cancel", tasks.task_cancel, "tasks.cancel", COORDINATOR, POST),
    page("/tasks/{id:int}/invitations", tasks.task_invite, "tasks.invite", COORDINATOR, POST),
    page("/tasks/{id:int}/questions", tasks.question_ask, "tasks.ask", VENDOR, POST),
    page("/tasks/{id:int}/follow", tasks.task_follow, "tasks.follow", VENDOR, POST),
    page("/questions/{id:int}/answer", tasks.question_answer, "tasks.answer", COORDINATOR, POST),
    api("/solutions", solutions_api.list_solutions, "solutions.list", ANYONE),
    api("/solutions", solutions_api.create_solution, "solutions.create", SECRETARIAT, POST),
    api("/solutions/{id:int}", solutions_api.solution_detail, "solutions.detail", ANYONE),
    api("/wishes", solutions_api.list_wishes, "wishes.list", ANYONE),
    api("/wishes", solutions_api.create_wish, "wishes.create", MUNICIPALITY, POST),
    api("/wishes/{id:int}", solutions_api.wish_detail, "wishes.detail", ANYONE),
    api(
        "/wishes/{id:int}/support", solutions_api.support_wish, "wishes.support", MUNICIPALITY, POST
    ),
    api("/wishes/{id:int}/comments", solutions_api.comment_wish, "wishes.comment", STAFF, POST),
    api(
        "/wishes/{id:int}/status",
        solutions_api.set_wish_status,
        "wishes.status",
        COORDINATOR,
        ("PUT",),
    ),
    api("/releases", solutions_api.create_release, "releases.create", COORDINATOR, POST),
    api("/releases/{id:int}", solutions_api.release_detail, "releases.detail", ANYONE),
    api("/releases/{id:int}/wishes", solutions_api.plan_wishes, "releases.plan", COORDINATOR, POST),
    api("/tasks", tasks_api.list_tasks, "tasks.list", ANYONE),
    api("/tasks", tasks_api.create_task, "tasks.create", COORDINATOR, POST),
    api("/tasks/{id:int}", tasks_api.task_detail, "tasks.detail", ANYONE),
    api("/tasks/{id:int}", tasks_api.update_task, "tasks.update", COORDINATOR, ("PUT",)),
    api("/tasks/{id:int}/publish", tasks_api.publish_task, "tasks.publish", COORDINATOR, POST),
    api("/tasks/{id:int}/cancel", tasks_api.cancel_task, "tasks.cancel", COORDINATOR, POST),
    api("/tasks/{id:int}/invitations", tasks_api.invite_vendors, "tasks.invite", COORDINATOR, POST),
    api("/tasks/{id:int}/questions", tasks_api.list_questions, "tasks.questions", ANYONE),
    api("/tasks/{id:int}/questions", tasks_api.ask_question, "tasks.ask", VENDOR, POST),
    api("/tasks/{id:int}/follow", tasks_api.follow_task, "tasks.follow", VENDOR, ("PUT", "DELETE")),
    api("/questions/{id:int}/answer", tasks_api.answer_question, "tasks.answer", COORDINATOR, POST),
    # --- competencies
    page(
        "/vendor/profile",
        competencies.profile_edit,
        "competencies.profile",
        roles("vendor_admin", "vendor_member", rule="users of this vendor"),
        FORM,
    ),
    page("/directory", competencies.directory, "competencies.directory", ANYONE),
    page("/directory/{id:int}", competencies.directory_vendor, "competencies.vendor", ANYONE),
    page(
        "/secretariat/taxonomy", competencies.taxonomy, "competencies.taxonomy", SECRETARIAT, FORM
    ),
    page(
        "/secretariat/taxonomy/edit",
        competencies.taxonomy_edit,
        "competencies.taxonomy_edit",
        SECRETARIAT,
        FORM,
    ),
    api("/competencies", competencies_api.competencies, "competencies.list", ANYONE),
    api(
        "/vendors/{id:int}/profile",
        competencies_api.update_profile,
        "vendors.profile",
        roles("vendor_admin", "vendor_member", rule="users of this vendor"),
        ("PUT",),
    ),
    # --- matching: shortlists, weights, fairness
    page(
        "/tasks/{id:int}/shortlist", shortlists.shortlist_page, "shortlists.task", SHORTLIST_READERS
    ),
    page(
        "/tasks/{id:int}/shortlist/status",
        shortlists.shortlist_status,
        "shortlists.status",
        SHORTLIST_READERS,
    ),
    page(
        "/tasks/{id:int}/shortlist/recompute",
        shortlists.shortlist_recompute,
        "shortlists.recompute",
        SHORTLIST_READERS,
        POST,
    ),
    page(
        "/tasks/{id:int}/shortlist/invitations",
        shortlists.shortlist_invite,
        "shortlists.invite",
        COORDINATOR,
        POST,
    ),
    page("/secretariat/matching", shortlists.weights, "shortlists.weights", SECRETARIAT, FORM),
    page("/secretariat/matching/learn", shortlists.learn, "shortlists.learn", SECRETARIAT, POST),
    page("/secretariat/fairness", shortlists.fairness_page, "shortlists.fairness", SECRETARIAT),
    api(
        "/tasks/{id:int}/shortlist",
        shortlists_api.task_shortlist,
        "tasks.shortlist",
        SHORTLIST_READERS,
    ),
    # --- API documentation
    api("/openapi.json", core.openapi_json, "openapi", ANYONE),
    page("/api/docs", core.api_docs, "core.api_docs", ANYONE),
    # --- API
    api("/auth/token", accounts_api.create_token, "auth.token_create", ANYONE, POST),
    api("/auth/token", accounts_api.delete_token, "auth.token_delete", SIGNED_IN, ("DELETE",)),
    # --- vendors and conduct
    page("/vendors/register", vendors.register, "vendors.register", ANYONE, FORM),
    api("/me", accounts_api.me, "me", SIGNED_IN),
    page("/partners", vendors.partners, "vendors.partners", ANYONE),
    page("/partners.csv", vendors.partners_csv, "vendors.partners_csv", ANYONE),
    # One public page per vendor: the directory's page (competencies, standing, activity).
    page("/vendors/{id:int}", competencies.directory_vendor, "vendors.profile", ANYONE),
    page("/my-company", vendors.my_company_page, "vendors.my_company", VENDOR_USERS),
    page("/my-company/invitations", vendors.invite, "vendors.invite", VENDOR_ADMIN, POST),
    page("/invitations/{secret}", vendors.accept_invitation, "vendors.accept", ANYONE, FORM),
    page("/conduct", conduct.current, "conduct.current", ANYONE),
    page("/my-company/conduct", conduct.sign, "conduct.sign", VENDOR_ADMIN, FORM),
    page("/my-company/signatures/{id:int}", conduct.receipt, "conduct.receipt", VENDOR_USERS),
    page("/secretariat/conduct", conduct.desk, "conduct.desk", SECRETARIAT),
    page("/secretariat/conduct/versions", conduct.publish, "conduct.publish", SECRETARIAT, FORM),
    page(
        "/secretariat/conduct/signatures/{id:int}/countersign",
        conduct.countersign,
        "conduct.countersign",
        SECRETARIAT,
        POST,
    ),
    page(
        "/secretariat/conduct/signatures/{id:int}/reject",
        conduct.reject,
        "conduct.reject",
        SECRETARIAT,
        POST,
    ),
    page(
        "/secretariat/conduct/signatures/{id:int}/revoke",
        conduct.revoke,
        "conduct.revoke",
        SECRETARIAT,
        POST,
    ),
    page(
        "/secretariat/conduct/reminders",
        conduct.run_reminders,
        "conduct.reminders",
        SECRETARIAT,
        POST,
    ),
    page(
        "/secretariat/conduct/register.csv",
        conduct.register_csv,
        "conduct.register_csv",
        SECRETARIAT,
    ),
    page("/secretariat/vendors", conduct.vendor_list, "conduct.vendors", SECRETARIAT),
    page(
        "/secretariat/vendors/{id:int}/suspend",
        conduct.suspend,
        "conduct.suspend",
        SECRETARIAT,
        POST,
    ),
    page(
        "/secretariat/vendors/{id:int}/reinstate",
        conduct.reinstate,
        "conduct.reinstate",
        SECRETARIAT,
        POST,
    ),
    page(
        "/secretariat/vendors/{id:int}/remind", conduct.remind, "conduct.remind", SECRETARIAT, POST
    ),
    api("/vendors", vendors_api.register, "vendors.register", ANYONE, POST),
    api("/vendors", vendors_api.list_vendors, "vendors.list", ANYONE),
    api("/vendors/{id:int}", vendors_api.detail, "vendors.detail", ANYONE),
    api("/vendors/{id:int}/signatures", vendors_api.sign, "vendors.sign", VENDOR_ADMIN, POST),
    api("/vendors/{id:int}/suspend", vendors_api.suspend, "vendors.suspend", SECRETARIAT, POST),
    api(
        "/vendors/{id:int}/reinstate", vendors_api.reinstate, "vendors.reinstate", SECRETARIAT, POST
    ),
    api("/conduct/current", conduct_api.current, "conduct.current", ANYONE),
    api("/conduct/versions", conduct_api.publish, "conduct.publish", SECRETARIAT, POST),
    api("/signatures", conduct_api.signatures, "signatures.list", SECRETARIAT),
    api(
        "/signatures/{id:int}/countersign",
        conduct_api.countersign,
        "signatures.countersign",
        SECRETARIAT,
        POST,
    ),
    api("/signatures/{id:int}/reject", conduct_api.reject, "signatures.reject", SECRETARIAT, POST),
    api("/signatures/{id:int}/revoke", conduct_api.revoke, "signatures.revoke", SECRETARIAT, POST),
    # --- bids
    page("/opportunities", bids.opportunities, "bids.opportunities", VENDOR_USERS),
    page("/my-bids", bids.my_bids, "bids.mine", VENDOR_USERS),
    page("/tasks/{id:int}/bid", bids.bid_form, "bids.form", VENDOR, FORM),
    page("/bids/{id:int}", bids.bid_page, "bids.detail", SIGNED_IN),
    page("/bids/{id:int}/withdraw", bids.bid_withdraw, "bids.withdraw", VENDOR_USERS, POST),
    page("/bids/{id:int}/receipts/{number:int}", bids.receipt, "bids.receipt", VENDOR_USERS),
    page(
        "/bids/{id:int}/attachments/{attachment_id:int}",
        bids.attachment,
        "bids.attachment",
        SIGNED_IN,
    ),
    page("/tasks/{id:int}/evaluation", bids.evaluation_page, "bids.evaluation", EVALUATORS),
    page("/tasks/{id:int}/evaluation.csv", bids.export_csv, "bids.export_csv", EVALUATORS),
    page("/tasks/{id:int}/evaluation.xlsx", bids.export_xlsx, "bids.export_xlsx", EVALUATORS),
    page("/tasks/{id:int}/declaration", bids.declare, "bids.declare", EVALUATORS, POST),
    page("/tasks/{id:int}/panel", bids.panel_add, "bids.panel", COORDINATOR, POST),
    page("/tasks/{id:int}/scores", bids.score, "bids.score", EVALUATORS, POST),
    page("/tasks/{id:int}/award", bids.award, "bids.award", COORDINATOR, POST),
    page("/tasks/{id:int}/delivery", bids.delivery, "bids.delivery", COORDINATOR, POST),
    api("/opportunities", bids_api.opportunities, "bids.opportunities", VENDOR_USERS),
    api("/bids", bids_api.my_bids, "bids.list", VENDOR_USERS),
    api("/tasks/{id:int}/bids", bids_api.submit_bid, "bids.submit", VENDOR, POST),
    api("/tasks/{id:int}/bids", bids_api.task_bids, "bids.task_list", EVALUATORS),
    api("/bids/{id:int}", bids_api.bid_detail, "bids.detail", SIGNED_IN),
    api("/bids/{id:int}", bids_api.revise_bid, "bids.revise", VENDOR_USERS, ("PUT",)),
    api("/bids/{id:int}", bids_api.withdraw_bid, "bids.withdraw", VENDOR_USERS, ("DELETE",)),
    api("/tasks/{id:int}/declaration", bids_api.declare, "bids.declare", EVALUATORS, POST),
    api("/tasks/{id:int}/panel", bids_api.panel, "bids.panel", COORDINATOR),
    api("/tasks/{id:int}/panel", bids_api.add_panel_member, "bids.panel_add", COORDINATOR, POST),
    api("/tasks/{id:int}/scores", bids_api.score, "bids.score", EVALUATORS, ("PUT",)),
    api("/tasks/{id:int}/evaluation", bids_api.evaluation_detail, "bids.evaluation", EVALUATORS),
    api("/tasks/{id:int}/award", bids_api.award, "bids.award", COORDINATOR, POST),
    api("/tasks/{id:int}/delivery", bids_api.delivery, "bids.delivery", COORDINATOR, POST),
    # --- contributions: vendors' git identities and what they built in the products
    page(
        "/vendor/identities",
        contributions.my_identities,
        "contributions.identities",
        VENDOR_USERS,
        FORM,
    ),
    page("/secretariat/contributions", contributions.desk, "contributions.desk", SECRETARIAT),
    page(
        "/secretariat/contributions/vendors/{id:int}/confirm",
        contributions.confirm,
        "contributions.confirm",
        SECRETARIAT,
        POST,
    ),
    api(
        "/vendors/{id:int}/identities",
        contributions_api.put_identities,
        "vendors.identities",
        VENDOR_ADMIN,
        ("PUT",),
    ),
    api(
        "/vendors/{id:int}/identities/confirm",
        contributions_api.confirm_identities,
        "vendors.identities_confirm",
        SECRETARIAT,
        POST,
    ),
    # --- open data
    page("/statistics", opendata.statistics, "opendata.statistics", ANYONE),
    api("/ocds/releases", opendata_api.ocds_releases, "ocds.releases", ANYONE),
    api("/ocds/records", opendata_api.ocds_records, "ocds.records", ANYONE),
    page("/statistics/tasks.csv", opendata.tasks_csv, "opendata.tasks_csv", ANYONE),
    page("/statistics/awards.csv", opendata.awards_csv, "opendata.awards_csv", ANYONE),
    page("/statistics/register.csv", opendata.register_csv, "opendata.register_csv", ANYONE),
    # --- privacy: the register, insight, erasure and retention
    page("/privatliv", privacy.privacy_page, "privacy.page", ANYONE),
    page("/account/privacy", privacy.account, "privacy.account", SIGNED_IN),
    page("/account/privacy/data", privacy.my_data, "privacy.data", SIGNED_IN),
    page("/account/privacy/data.json", privacy.my_data, "privacy.data_json", SIGNED_IN),
    page("/account/privacy/erasure", privacy.request_erasure, "privacy.erase", SIGNED_IN, POST),
    page("/secretariat/privacy", privacy.desk, "privacy.desk", SECRETARIAT),
    page("/secretariat/privacy/data", privacy.subject_data, "privacy.subject", SECRETARIAT),
    page(
        "/secretariat/privacy/users/{id:int}/data.json",
        privacy.subject_data,
        "privacy.subject_json",
        SECRETARIAT,
    ),
    page(
        "/secretariat/privacy/users/{id:int}/erasure",
        privacy.erase_on_request,
        "privacy.erase_on_request",
        SECRETARIAT,
        POST,
    ),
    page(
        "/secretariat/privacy/erasure-requests/{id:int}/approve",
        privacy.approve,
        "privacy.approve",
        SECRETARIAT,
        POST,
    ),
    page(
        "/secretariat/privacy/erasure-requests/{id:int}/reject",
        privacy.reject,
        "privacy.reject",
        SECRETARIAT,
        POST,
    ),
    page(
        "/secretariat/privacy/retention", privacy.set_periods, "privacy.periods", SECRETARIAT, POST
    ),
    page(
        "/secretariat/privacy/retention/run",
        privacy.run_retention,
        "privacy.retention_run",
        SECRETARIAT,
        POST,
    ),
    api("/me/data", privacy_api.my_data, "me.data", SIGNED_IN),
    api("/me/erasure", privacy_api.request_erasure, "me.erasure", SIGNED_IN, POST),
    api(
        "/erasure-requests/{id:int}/approve",
        privacy_api.approve,
        "erasure_requests.approve",
        SECRETARIAT,
        POST,
    ),
    # --- alerts, digests, reminders and feeds
    page("/account/alerts", alerts.preferences, "alerts.preferences", SIGNED_IN, FORM),
    page("/account/alerts/searches", alerts.search_add, "alerts.search_add", SIGNED_IN, POST),
    page(
        "/account/alerts/searches/{id:int}/delete",
        alerts.search_delete,
        "alerts.search_delete",
        SIGNED_IN,
        POST,
    ),
    page("/account/alerts/feeds", alerts.feeds_revoke, "alerts.feeds_revoke", SIGNED_IN, POST),
    # The signed link is the credential (RFC 8058 one-click POST comes without a session).
    page("/alerts/unsubscribe/{token}", alerts.unsubscribe, "alerts.unsubscribe", ANYONE, FORM),
    page("/feeds/tasks.atom", alerts.public_feed, "alerts.public_feed", ANYONE),
    page(
        "/feeds/{user_id:int}/{secret}/tasks.atom",
        alerts.private_feed,
        "alerts.private_feed",
        ANYONE,
    ),
    page("/feeds/{user_id:int}/{secret}/calendar.ics", alerts.calendar, "alerts.calendar", ANYONE),
    page("/secretariat/alerts", alerts.fit_settings, "alerts.settings", SECRETARIAT, FORM),
    api("/me/alerts", alerts_api.my_alerts, "me.alerts", SIGNED_IN),
    api("/me/alerts", alerts_api.update_my_alerts, "me.alerts_update", SIGNED_IN, ("PUT",)),
    # --- static files (built by `make assets` into market/static)
    Mount(
        "/static",
        app=AssetFiles(directory=str(STATIC_DIR), check_dir=False),
        name="static",
    ),
]
