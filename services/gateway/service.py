"""The gateway service: the public HTTP API over the other services' RPC.

Each endpoint only translates: it reads the request (``schemas``), asks ``policy`` what the
caller may see, calls the service that owns the data with the caller's area or agency (which
checks it again), and names what it touched for the audit log. Authentication, the role check,
errors, limits and the audit entry itself are ``http``'s; who may do what is ``policy``'s.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from nameko.rpc import RpcProxy
from werkzeug.wrappers import Response

from services.gateway import docs, forms, openapi, schemas
from services.gateway.domain import filters, policy, referral_lists, reports
from services.gateway.domain.errors import ApiError, invalid, not_found, unwrap
from services.gateway.endpoints import agencies as agency_endpoints
from services.gateway.endpoints import field as field_endpoints
from services.gateway.endpoints import households as household_endpoints
from services.gateway.endpoints import reference as reference_endpoints
from services.gateway.endpoints import sessions as session_endpoints
from services.gateway.endpoints import sync as sync_endpoints
from services.gateway.endpoints import users as user_endpoints
from services.gateway.http import Call, endpoint, load
from services.gateway.models import Base
from services.gateway.use_cases import uploads
from sipmas import db, outbox
from sipmas.messaging.rpc import rpc
from sipmas.observability import Observe

API = "/api/v1"


# The endpoint mixins by their modules: a class with entrypoints in this module's namespace would
# be taken by ``nameko run services.gateway.service`` for a service of its own.
class GatewayService(
    reference_endpoints.ReferenceEndpoints,
    household_endpoints.HouseholdEndpoints,
    field_endpoints.FieldEndpoints,
    agency_endpoints.AgencyEndpoints,
    session_endpoints.SessionEndpoints,
    user_endpoints.UserEndpoints,
    sync_endpoints.SyncEndpoints,
):
    name = "gateway"
    observe = Observe()  # health, JSON logs with the correlation id, metrics
    db = db.Database(Base)
    outbox = outbox.Outbox()  # relays user_registered (written by ``sipmas users``)
    registry = RpcProxy("registry")
    verification = RpcProxy("verification")
    referral = RpcProxy("referral")
    notifications = RpcProxy("notifications")

    # -- open to all -----------------------------------------------------------------------

    @rpc
    def health(self) -> dict[str, Any]:
        return self._health()

    def _health(self) -> dict[str, Any]:
        try:
            with self.db.get_session() as session:
                session.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            raise ApiError("unavailable") from None
        return {"status": "ok", "database": "ok"}

    @endpoint("GET", "/health", "health")
    def get_health(self, call: Call) -> dict[str, Any]:
        return self._health()

    @endpoint("GET", "/openapi.json", "openapi")
    def get_openapi(self, call: Call) -> Response:
        return Response(openapi.spec_json(), mimetype="application/json")

    @endpoint("GET", "/docs", "docs")
    def get_docs(self, call: Call) -> Response:
        return Response(docs.page(), mimetype="text/html")

    @endpoint("GET", f"{API}/me", "me")
    def me(self, call: Call) -> dict[str, Any]:
        user = call.user
        return {
            "username": user.username,
            "role": user.role,
            "kecamatan_codes": list(user.kecamatan_codes),
            "desa_codes": list(user.desa_codes),
            "opd_code": user.opd_code,
            "area": policy.area(user),
        }

    # -- households ------------------------------------------------------------------------

    @endpoint("GET", f"{API}/households", "households.search")
    def search_households(self, call: Call) -> dict[str, Any]:
        criteria = call.query(schemas.HouseholdQuery())
        answer = unwrap(self.registry.search_households(criteria, scope=policy.area(call.user)))
        found = answer["households"]
        subject = " ".join(f"{k}={v}" for k, v in sorted(criteria.items()) if k != "limit")
        call.audit([h["id"] for h in found], subject=f"search {subject}".strip())
        return {"households": found}

    @endpoint("POST", f"{API}/households", "households.register")
    def register_household(self, call: Call) -> tuple[int, dict[str, Any]]:
        body = call.json(schemas.RegisterHousehold())
        payload = {"members": body["members"], "actor": call.user.username}
        answer = unwrap(self.registry.register_household(payload, scope=policy.area(call.user)))
        call.audit(answer["household_ids"], subject="register pemda household")
        return 201, answer

    @endpoint("GET", f"{API}/households/<int:household_id>", "households.get")
    def get_household(self, call: Call, household_id: int) -> dict[str, Any]:
        self._check_household(call, household_id)
        answer = self.registry.get_household(household_id, scope=policy.area(call.user))
        return unwrap(answer)["household"]

    @endpoint("PATCH", f"{API}/households/<int:household_id>", "households.update")
    def update_household(self, call: Call, household_id: int) -> dict[str, Any]:
        changes = call.json(schemas.UpdateHousehold())
        answer = self.registry.update_household(
            household_id, changes, call.user.username, scope=policy.area(call.user)
        )
        return unwrap(answer)

    @endpoint("GET", f"{API}/households/<int:household_id>/timeline", "households.timeline")
    def household_timeline(self, call: Call, household_id: int) -> dict[str, Any]:
        self._check_household(call, household_id)
        answer = self.registry.household_timeline(household_id, scope=policy.area(call.user))
        return unwrap(answer)

    def _check_household(self, call: Call, household_id: int) -> None:
        """A verifier sees the households of their tasks only (the registry checks the area)."""
        if call.user.role == policy.VERIFIER:
            tasks = unwrap(self.verification.my_tasks(call.user.username))["tasks"]
            if not policy.household_of_tasks(household_id, tasks):
                raise not_found()

    # -- imports ---------------------------------------------------------------------------

    @endpoint("GET", f"{API}/imports", "imports.list")
    def list_imports(self, call: Call) -> dict[str, Any]:
        query = call.query(schemas.ImportListQuery())
        return {"imports": self.registry.list_imports(query["limit"])}

    @endpoint("POST", f"{API}/imports", "imports.create", body="import")
    def create_import(self, call: Call) -> tuple[int, dict[str, Any]]:
        form, files = call.form(), call.files()
        source = load(schemas.ImportSource(), form.to_dict())["source"]
        upload = files.get("file")
        if upload is None or not upload.filename:
            raise invalid({"file": ["a file is required / file wajib diunggah"]})
        content_type = uploads.import_type(upload.stream)
        stored = uploads.store(upload.stream)
        path = uploads.named(stored, upload.filename, content_type)
        answer = unwrap(
            self.registry.begin_import(source, str(path), call.user.username, path.name)
        )
        call.audit(subject=f"import {source} batch {answer['batch_id']} file {stored.sha256[:12]}")
        upload_view = {
            "filename": path.name,
            "sha256": stored.sha256,
            "size": stored.size,
            "content_type": content_type,
        }
        return 202, {**answer, "upload": upload_view}  # running: GET /imports/<id> follows it

    @endpoint("GET", f"{API}/imports/<int:batch_id>", "imports.get")
    def import_report(self, call: Call, batch_id: int) -> dict[str, Any]:
        page = call.query(schemas.ImportPageQuery())
        answer = unwrap(
            self.registry.import_status(batch_id, page["problems_offset"], page["problems_limit"])
        )
        call.audit(subject=f"import report batch {batch_id}")
        return answer

    @endpoint("GET", f"{API}/imports/<int:batch_id>/report.csv", "imports.report_csv")
    def import_report_csv(self, call: Call, batch_id: int) -> Response:
        answer = unwrap(self.registry.import_report(batch_id))
        call.audit(subject=f"import report batch {batch_id} (csv)")
        return Response(
            reports.problems_csv(answer["problems"]),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="laporan-impor-{batch_id}.csv"'},
        )

    # -- verification ----------------------------------------------------------------------

    @endpoint("GET", f"{API}/tasks", "tasks.list")
    def list_tasks(self, call: Call) -> dict[str, Any]:
        query = call.query(schemas.TaskQuery())
        states = query.get("state") or None
        user = call.user
        if user.role == policy.VERIFIER:
            answer = self.verification.my_tasks(user.username, states)
        else:
            answer = self.verification.area_tasks(policy.area(user), states)
        tasks = [
            t
            for t in unwrap(answer)["tasks"]
            if policy.task_visible(user, t) and filters.task_matches(t, query)
        ]
        call.audit([t["household"]["household_id"] for t in tasks], subject="tasks")
        return {"tasks": tasks}

    @endpoint("POST", f"{API}/tasks/<int:task_id>/visits", "tasks.visit", body="visit")
    def submit_visit(self, call: Call, task_id: int) -> tuple[int, dict[str, Any]]:
        task = self._task(call, task_id)
        visit, photos = forms.visit_with_photos(call)
        refs = [{k: v for k, v in p.items() if k != "file"} for p in photos]
        payload = {**visit, "task_id": task_id, "verifier": call.user.username, "photos": refs}
        answer = unwrap(self.verification.submit_visit(payload))
        call.audit([task["household"]["household_id"]], subject=f"visit task {task_id}")
        shown = [{"file": p["file"], "kind": p["kind"], "sha256": p["sha256"]} for p in photos]
        return 201, {**answer, "photos": shown}

    @endpoint("POST", f"{API}/tasks/<int:task_id>/approve", "tasks.approve")
    def approve(self, call: Call, task_id: int) -> dict[str, Any]:
        return self._decide(call, task_id, "approve", schemas.Approve(), optional=True)

    @endpoint("POST", f"{API}/tasks/<int:task_id>/return", "tasks.return")
    def return_visit(self, call: Call, task_id: int) -> dict[str, Any]:
        return self._decide(call, task_id, "return_visit", schemas.ReturnVisit())

    @endpoint("POST", f"{API}/tasks/<int:task_id>/reject", "tasks.reject")
    def reject(self, call: Call, task_id: int) -> dict[str, Any]:
        return self._decide(call, task_id, "reject", schemas.Reject())

    def _task(self, call: Call, task_id: int) -> dict[str, Any]:
        """The task, or 404 when it is unknown or not the caller's to see."""
        task = unwrap(self.verification.get_task(task_id))
        if not policy.task_visible(call.user, task):
            raise not_found()
        return task

    def _decide(self, call: Call, task_id: int, method: str, schema, optional=False) -> dict:
        body = call.json(schema, optional=optional)
        task = self._task(call, task_id)
        call.audit([task["household"]["household_id"]], subject=f"{method} task {task_id}")
        decide = getattr(self.verification, method)
        return unwrap(decide(task_id, {**body, "actor": call.user.username}))

    # -- referrals -------------------------------------------------------------------------

    @endpoint("GET", f"{API}/referrals", "referrals.list")
    def list_referrals(self, call: Call) -> dict[str, Any]:
        query = call.query(schemas.ReferralQuery())
        user = call.user
        opd_code = policy.agency(user, query.get("opd_code"))
        view = "opd" if user.role == policy.OPD else "staff"
        answer = self.referral.agency_referrals(
            opd_code,
            query["overdue"],
            view=view,
            scope=policy.referral_area(user),
            tab=query.get("state"),
        )
        referrals = unwrap(answer)["referrals"]
        if view == "opd":
            referrals = [policy.opd_referral(r) for r in referrals]
        households = referral_lists.household_ids(referrals)
        if view == "staff" and households:
            found = [
                household
                for ids in referral_lists.batches(households)
                for household in unwrap(
                    self.registry.search_households({"ids": ids}, scope=policy.area(user))
                )["households"]
            ]
            referrals = referral_lists.with_households(referrals, found)
        call.audit(households, subject=f"referrals of {opd_code}")
        return {"opd_code": opd_code, "referrals": referrals}

    @endpoint(
        "POST", f"{API}/referrals/<int:referral_id>/status", "referrals.status", body="evidence"
    )
    def update_referral(self, call: Call, referral_id: int) -> dict[str, Any]:
        update = forms.status_update(call)
        user = call.user
        request = {
            **update,
            "actor": user.username,
            "opd_code": user.opd_code if user.role == policy.OPD else None,
        }
        answer = unwrap(self.referral.update_referral_status(referral_id, request))
        call.audit(subject=f"referral {referral_id} {update['status']}")
        return {**answer, "evidence_ref": update.get("evidence_ref")}

    # -- notifications ---------------------------------------------------------------------

    @endpoint("GET", f"{API}/notifications/deliveries", "notifications.deliveries")
    def deliveries(self, call: Call) -> dict[str, Any]:
        query = call.query(schemas.DeliveryQuery())
        event_id = str(query["event_id"]) if query.get("event_id") else None
        kind, key = policy.delivery_log_target(
            call.user, query.get("household_id"), query.get("opd_code"), event_id
        )
        if kind == "household":
            # in the caller's area? (answers 404 exactly as an unknown household)
            unwrap(self.registry.household_timeline(key, scope=policy.area(call.user)))
            call.audit([key], subject=f"deliveries of household {key}")
        else:
            call.audit(subject=f"deliveries of {kind} {key}")
        answer = self.notifications.delivery_log(kind, key, query["limit"])
        return {"deliveries": unwrap(answer)["deliveries"]}

    # -- reports ---------------------------------------------------------------------------

    @endpoint("GET", f"{API}/reports/households", "reports.households")
    def household_report(self, call: Call) -> Any:
        query = call.query(schemas.ReportQuery())
        request = reports.counts_request(query, policy.area(call.user))
        answer = unwrap(self.registry.household_counts(request))
        if query["format"] == "csv":
            return Response(
                reports.counts_csv(answer),
                mimetype="text/csv",
                headers={"Content-Disposition": 'attachment; filename="households.csv"'},
            )
        return answer
