"""Pages: task list, create/edit form, detail with change log, publish, invite, Q&A."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from market import clock, listcache
from market.api import path_id
from market.competencies import services as competencies
from market.errors import DomainError, NotFound, ValidationFailed
from market.i18n import catalogue
from market.i18n import gettext as _
from market.schemas import parse
from market.solutions import services as solutions
from market.tasks import questions, rules, services
from market.tasks.models import TaskStatus
from market.tasks.schemas import InviteVendors, QuestionAnswer, QuestionAsk, TaskCreate, TaskUpdate
from market.templating import DEFAULT_CRITERION_NAMES, criterion_label
from market.urls import url
from market.vendors import services as vendors
from market.web import (
    client_address,
    confirm_first,
    flash,
    flash_failure,
    form_data,
    form_failure,
    form_id,
    form_ids,
    page_param,
    read_form,
    redirect,
    render,
)

PER_PAGE = 50


# --- form <-> API body -------------------------------------------------------------------


def _pairs(text: str, key: str, value: str) -> list[dict[str, Any]]:
    """Lines "Syddjurs: 50.000" as [{key: "Syddjurs", value: "50.000"}] (the schema reads
    the amounts as typed)."""
    entries = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _sep, amount = line.rpartition(":") if ":" in line else line.rpartition("=")
        entries.append({key: name.strip(), value: amount.strip()})
    return entries


def _criterion_shown(name: str) -> str:
    """A default criterion in the reader's words (a coordinator's own name as written)."""
    return criterion_label(name)


def _criterion_stored(name: str) -> str:
    """The stored name of a criterion typed in the form: a default one in any language
    becomes its code ("pris" -> "price"), so one task reads in both languages."""
    wanted = name.strip().casefold()
    for default in DEFAULT_CRITERION_NAMES:
        if wanted in {default, str(catalogue("da").get(default, default)).casefold()}:
            return default
    return name.strip()


def _codes(text: str) -> list[str]:
    return [code for code in text.replace(",", " ").split() if code]


async def code_labels(*texts: str) -> dict[str, str]:
    """Labels (in the reader's language) of the competency codes in form fields."""
    return await competencies.labels_for(code for text in texts for code in _codes(text))


def body_from_form(values: dict[str, str], wish_ids: list[str]) -> dict[str, Any]:
    """The form's fields as the task schemas read them with `parse(..., form=True)`."""
    body: dict[str, Any] = {k: v for k, v in values.items() if v != ""}
    body["funding"] = _pairs(values.get("funding", ""), "municipality", "amount_dkk")
    criteria = _pairs(values.get("criteria", ""), "name", "weight")
    for criterion in criteria:
        criterion["name"] = _criterion_stored(criterion["name"])
    body["criteria"] = criteria or None
    body["wish_ids"] = form_ids(wish_ids)
    body["municipality_specific"] = values.get("municipality_specific") == "1"
    return body


def form_from_values(current: dict[str, Any]) -> dict[str, str]:
    def local(value: str) -> str:
        return clock.to_local(clock.parse_local(value)).strftime("%Y-%m-%dT%H:%M")

    return {
        "title": current["title"],
        "description": current["description"],
        "required": ", ".join(current["required"]),
        "nice_to_have": ", ".join(current["nice_to_have"]),
        "estimate_hours": str(current["estimate_hours"]),
        "budget_dkk": str(current["budget_dkk"]),
        "bid_deadline": local(current["bid_deadline"]),
        "question_deadline": local(current["question_deadline"]),
        "delivery_date": current["delivery_date"],
        "funding": "\n".join(f"{f['municipality']}: {f['amount_dkk']}" for f in current["funding"]),
        "criteria": "\n".join(
            f"{_criterion_shown(c['name'])}: {c['weight']}" for c in current["criteria"]
        ),
        "municipality_specific": "1" if current["municipality_specific"] else "",
    }


def touched_fields(
    body: dict[str, Any], values: dict[str, str], current: dict[str, Any]
) -> dict[str, Any]:
    """Only what the user changed in the form: an untouched field is never rewritten (the
    form shows deadlines to the minute, so resending them could move them)."""
    shown = form_from_values(current)
    touched = {name for name, was in shown.items() if values.get(name, "").strip() != was.strip()}
    edit = {name: body.get(name) for name in touched}
    if "question_deadline" in touched and not values.get("question_deadline", "").strip():
        edit["question_deadline"] = None  # emptied: it follows the bid deadline
    if sorted(body["wish_ids"]) != sorted(current["wish_ids"]):
        edit["wish_ids"] = body["wish_ids"]
    return edit


async def _form_page(
    request: Request,
    *,
    solution: Any,
    values: dict[str, str],
    wish_ids: list[int],
    task: Any = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    wishes = await solutions.wishes_of(solution.id)
    return render(
        request,
        "tasks/form.html",
        status_code=status_code,
        solution=solution,
        values=values,
        code_labels=await code_labels(values.get("required", ""), values.get("nice_to_have", "")),
        wishes=wishes,
        wish_ids=wish_ids,
        task=task,
        errors=errors or {},
        message=message,
    )


# --- pages -------------------------------------------------------------------------------


@listcache.cached("tasks", listcache.until_deadline)
async def task_list(request: Request) -> Response:
    params = request.query_params
    page = page_param(request)
    status = params.get("status", "")
    rows, total = await services.list_tasks(
        request.state.user, status=status, page=max(page, 1), per_page=PER_PAGE
    )
    return render(
        request,
        "tasks/list.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        status_of=services.effective_status,
        filters={"status": status},
        status_options=[("", _("All"))] + [(s, _(s)) for s in TaskStatus.ALL],
        solutions=await solutions.coordinated_solutions(request.state.user),
    )


async def task_new(request: Request) -> Response:
    user = request.state.user
    raw_id = request.query_params.get("solution_id", "")
    values: dict[str, str] = {}
    wish_ids: list[str] = []
    if request.method == "POST":
        form = await read_form(request)
        values = await form_data(request)
        raw_id = values.get("solution_id", raw_id)
        wish_ids = [v for v in form.getlist("wish_ids") if isinstance(v, str)]
    solution_id = form_id(raw_id)
    solution = await solutions.get_solution(solution_id) if solution_id else None
    if solution is None:
        mine = await solutions.coordinated_solutions(user)
        if len(mine) != 1:
            return render(request, "tasks/pick_solution.html", solutions=mine)
        solution = mine[0]
    await solutions.require_coordinator(user, solution)
    if request.method == "GET":
        return await _form_page(
            request,
            solution=solution,
            values={
                "criteria": "\n".join(
                    f"{_criterion_shown(str(c['name']))}: {c['weight']}"
                    for c in rules.DEFAULT_CRITERIA
                )
            },
            wish_ids=[],
        )
    body = body_from_form(values, wish_ids)
    body["solution_id"] = solution.id
    try:
        data = parse(TaskCreate, body, form=True)
        task = await services.create_task(data, actor=user, address=client_address(request))
    except DomainError as exc:
        return await form_failure(
            request, _form_page, exc, values, solution=solution, wish_ids=body["wish_ids"]
        )
    flash(request, _("The task is saved as a draft. Publish it when it is ready."))
    return redirect(request, url("tasks.detail", id=task.id))


async def task_edit(request: Request) -> Response:
    user = request.state.user
    task = await services.visible_task(path_id(request), user)
    solution = await task.solution
    await solutions.require_coordinator(user, solution)
    current = await services.current_values(task)
    if request.method == "GET":
        return await _form_page(
            request,
            solution=solution,
            values=form_from_values(current),
            wish_ids=current["wish_ids"],
            task=task,
        )
    form = await read_form(request)
    values = await form_data(request)
    wish_ids = [v for v in form.getlist("wish_ids") if isinstance(v, str)]
    body = body_from_form(values, wish_ids)
    edit = touched_fields(body, values, current)
    try:
        data = parse(TaskUpdate, edit, form=True)
        await services.update_task(task.id, data, actor=user, address=client_address(request))
    except DomainError as exc:
        return await form_failure(
            request,
            _form_page,
            exc,
            values,
            solution=solution,
            wish_ids=body["wish_ids"],
            task=task,
        )
    flash(request, _("The task is saved."))
    return redirect(request, url("tasks.detail", id=task.id))


async def task_detail(
    request: Request,
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    user = request.state.user
    detail = await services.task_detail(path_id(request), user)
    qa = await questions.questions_for(detail["task"], user)
    picking = detail.get("status") == TaskStatus.PUBLISHED and getattr(user, "is_staff", False)
    return render(
        request,
        "tasks/detail.html",
        status_code=status_code,
        **detail,
        qa=qa,
        errors=errors or {},
        message=message,
        values=values or {},
        vendor_names=await vendors.pickable_names() if picking else [],
        code_labels=await code_labels(
            " ".join(detail["task"].required), " ".join(detail["task"].nice_to_have)
        ),
    )


async def _action(request: Request, run: Any, success: str, target: str = "") -> Response:
    values = await form_data(request)
    try:
        await run(values)
    except DomainError as exc:
        return await form_failure(request, task_detail, exc, values)
    flash(request, success)
    return redirect(request, target or url("tasks.detail", id=path_id(request)))


async def task_publish(request: Request) -> Response:
    asked = await confirm_first(
        request,
        title=_("Publish the task?"),
        consequences=[
            _("Vendors can read the task and bid until its bid deadline."),
            _(
                "The shortlist is computed, and vendor users who asked for alerts about "
                "fitting tasks get an e-mail."
            ),
            _(
                "Once published, the bid deadline can only move later, and the vendors "
                "taking part get an e-mail about every change."
            ),
        ],
        button=_("Publish the task"),
        back=url("tasks.detail", id=path_id(request)),
    )
    if asked is not None:
        return asked

    async def run(values: dict[str, str]) -> None:
        await services.publish_task(
            path_id(request), actor=request.state.user, address=client_address(request)
        )

    return await _action(
        request,
        run,
        _("The task is published: vendors can now bid."),
        url("tasks.detail", id=path_id(request)),
    )


async def task_cancel(request: Request) -> Response:
    async def run(values: dict[str, str]) -> None:
        await services.cancel_task(
            path_id(request), actor=request.state.user, address=client_address(request)
        )

    return await _action(
        request, run, _("The task is cancelled."), url("tasks.detail", id=path_id(request))
    )


async def task_invite(request: Request) -> Response:
    async def run(values: dict[str, str]) -> None:
        raw = values.get("vendor_ids", "")
        name = values.get("vendor_name", "")
        if not name.strip() and raw.strip():
            ids = parse(InviteVendors, {"vendor_ids": raw}, form=True).vendor_ids
        else:
            # Companies are picked by name (a type-ahead of the partners' names).
            vendor = await vendors.find_by_name(name)
            if vendor is None:
                problem = (
                    _("No company is called %(name)s: pick a name from the list.")
                    % {"name": " ".join(name.split())}
                    if name.strip()
                    else _("Type the name of the company to invite.")
                )
                raise ValidationFailed(_("Nobody was invited."), {"vendor_name": problem})
            ids = [vendor.id]
        await services.invite_vendors(
            path_id(request), ids, actor=request.state.user, address=client_address(request)
        )

    return await _action(
        request,
        run,
        _("The vendors are invited and told by e-mail."),
        url("tasks.detail", id=path_id(request)),
    )


async def question_ask(request: Request) -> Response:
    async def run(values: dict[str, str]) -> None:
        await questions.ask_question(
            path_id(request),
            parse(QuestionAsk, values, form=True).text,
            actor=request.state.user,
            address=client_address(request),
        )

    return await _action(
        request,
        run,
        _("Your question is sent. The answer is published to all bidders."),
        url("tasks.detail", id=path_id(request)),
    )


async def question_answer(request: Request) -> Response:
    values = await form_data(request)
    try:
        answer = await questions.answer_question(
            path_id(request),
            parse(QuestionAnswer, values, form=True).text,
            actor=request.state.user,
            address=client_address(request),
        )
    except DomainError as exc:
        task_id = await questions.task_id_of(path_id(request))
        if task_id is None:
            raise NotFound(_("There is no such question.")) from exc
        return flash_failure(request, exc, url("tasks.detail", id=task_id))
    question = await answer.question
    flash(request, _("The answer is published to every vendor concerned."))
    return redirect(request, url("tasks.detail", id=question.task_id, _anchor="questions"))


async def task_follow(request: Request) -> Response:
    values = await form_data(request)
    follow = values.get("follow") != "0"
    await services.follow_task(path_id(request), actor=request.state.user, follow=follow)
    flash(
        request,
        _("Your company follows the task: you will be told of every change.")
        if follow
        else _("Your company no longer follows the task."),
    )
    return redirect(request, url("tasks.detail", id=path_id(request)))
