"""Clarification Q&A: vendors ask privately until the question deadline; coordinators
publish answers to every vendor concerned with the asker left out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from market import clock
from market.accounts.models import User
from market.audit.services import record
from market.conduct.states import eligibility as conduct_eligibility
from market.db import transaction
from market.errors import (
    NotEligible,
    NotFound,
    PermissionDenied,
    QuestionDeadlinePassed,
    ValidationFailed,
)
from market.i18n import gettext as _
from market.mail.services import queue_mail
from market.solutions import services as solutions
from market.tasks.models import Answer, Invitation, Question, Task, TaskStatus
from market.tasks.rules import effective_status
from market.tasks.services import _notify_concerned, visible_task
from market.vendors.models import Vendor


@dataclass
class Eligibility:
    eligible: bool
    reasons: list[str]


async def vendor_eligibility(vendor: Vendor, at: dt.datetime) -> Eligibility:
    """Eligibility comes from the conduct module (its Code of Conduct state)."""
    result = await conduct_eligibility(vendor, at)
    return Eligibility(bool(result.eligible), [str(r) for r in result.reasons])


async def vendor_of(user: Any) -> Vendor | None:
    if user is None or not user.is_vendor:
        return None
    return await Vendor.get_or_none(organisation_id=user.organisation_id)


async def may_ask(task: Task, vendor: Vendor) -> Eligibility:
    if await Invitation.exists(task_id=task.id, vendor_id=vendor.id):
        return Eligibility(True, [])
    return await vendor_eligibility(vendor, clock.now())


async def ask_question(task_id: int, text: str, *, actor: User, address: str = "") -> Question:
    """A vendor's private question; 409 after the question deadline."""
    task = await visible_task(task_id, actor)
    vendor = await vendor_of(actor)
    if vendor is None:
        raise PermissionDenied(_("Only vendor partners can ask questions about a task."))
    if not text.strip():
        raise ValidationFailed(
            _("Write your question first."), {"text": _("This field is required.")}
        )
    if effective_status(task) != TaskStatus.PUBLISHED or clock.now() >= task.question_deadline:
        raise QuestionDeadlinePassed(_("The question deadline has passed."))
    verdict = await may_ask(task, vendor)
    if not verdict.eligible:
        raise NotEligible(
            _("Your company cannot ask questions on this task: %(reasons)s")
            % {"reasons": " ".join(verdict.reasons) or _("it is not eligible.")}
        )
    async with transaction():
        question = await Question.create(
            task=task, vendor=vendor, asked_by_id=actor.id, text=text.strip()[:5000]
        )
        await record(
            "task.question_asked",
            actor=actor,
            object_type="task",
            object_id=task.id,
            after={"question_id": question.id},
            address=address,
        )

    for coordinator in await (await task.solution).coordinators.all():
        await queue_mail(
            to=coordinator.email,
            template="tasks/question_asked",
            key=f"task-question:{question.id}:{coordinator.id}",
            language=coordinator.language,
            user=coordinator,
            task=task,
        )
    return question


async def answer_question(question_id: int, text: str, *, actor: User, address: str = "") -> Answer:
    """Answer and publish to every vendor concerned, without saying who asked."""
    question = await Question.get_or_none(id=question_id).select_related("task")
    if question is None:
        raise NotFound(_("There is no such question."))
    task = question.task
    await solutions.require_coordinator(actor, await task.solution)
    if not text.strip():
        raise ValidationFailed(_("Write the answer first."), {"text": _("This field is required.")})
    now = clock.now()
    async with transaction():
        answer = await Answer.get_or_none(question_id=question.id)
        if answer is None:
            answer = await Answer.create(
                question=question,
                text=text.strip()[:10000],
                answered_by_id=actor.id,
                published_at=now,
            )
        else:
            answer.text, answer.published_at = text.strip()[:10000], now
            await answer.save(update_fields=["text", "published_at"])
        await record(
            "task.answer_published",
            actor=actor,
            object_type="task",
            object_id=task.id,
            after={"question_id": question.id},
            address=address,
        )
    stamp = int(now.timestamp())
    await _notify_concerned(task, "tasks/answer_published", f"task-answer:{answer.id}:{stamp}")
    return answer


async def questions_for(task: Task, user: Any) -> dict[str, Any]:
    """What `user` may see: published Q&A (anonymous) for all; all questions for the
    coordinators; a vendor's own unanswered questions for that vendor."""
    rows = list(await Question.filter(task_id=task.id).prefetch_related("answer", "vendor"))
    published = []
    for q in rows:
        answer = await Answer.get_or_none(question_id=q.id)
        if answer is not None and answer.published_at is not None:
            published.append(
                {
                    "id": q.id,
                    "question": q.text,
                    "answer": answer.text,
                    "published_at": answer.published_at,
                }
            )
    coordinator = await solutions.is_coordinator(user, task.solution_id)
    vendor = await vendor_of(user)
    answered = {p["id"] for p in published}
    if coordinator:
        pending = [q for q in rows if q.id not in answered]
    elif vendor is not None:
        pending = [q for q in rows if q.id not in answered and q.vendor_id == vendor.id]
    else:
        pending = []
    can_ask = False
    if (
        vendor is not None
        and effective_status(task) == TaskStatus.PUBLISHED
        and (clock.now() < task.question_deadline)
    ):
        can_ask = (await may_ask(task, vendor)).eligible
    return {
        "published": published,
        "pending": pending,
        "can_ask": can_ask,
        "is_coordinator": coordinator,
    }


def qa_json(published: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": p["id"],
            "question": p["question"],
            "answer": p["answer"],
            "published_at": clock.to_local(p["published_at"]).isoformat(),
        }
        for p in published
    ]


async def task_id_of(question_id: int) -> int | None:
    question = await Question.get_or_none(id=question_id)
    return question.task_id if question else None
