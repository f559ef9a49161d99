"""The schema tells the truth (metroplan/api/schema.py): what it says about each
operation is what the server does, checked against the server where it can be."""

import pytest
import yaml
from django.test import Client

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def has_example(operation) -> bool:
    bodies = list(operation.get("requestBody", {}).get("content", {}).values())
    for response in operation["responses"].values():
        bodies += list(response.get("content", {}).values())
    return any("example" in body or "examples" in body for body in bodies)


def test_every_operation_has_a_summary_a_description_and_an_example(schema):
    missing = [
        f"{method.upper()} {path}: {what}"
        for path, method, operation in operations(schema)
        for what, ok in (
            ("summary", bool(operation.get("summary"))),
            ("description", len(operation.get("description", "")) > 20),
            ("example", has_example(operation)),
        )
        if not ok
    ]
    assert not missing, "\n".join(missing)
    summaries = [operation["summary"] for _path, _method, operation in operations(schema)]
    assert len(summaries) == len(set(summaries)), "two operations share a summary"


def test_every_list_declares_its_csv_and_has_a_csv_operation_that_answers_csv(schema, world, api, keys):
    reader = api(keys["read"])
    lists = [(path, op) for path, method, op in operations(schema) if op["operationId"].endswith("_list")]
    assert len(lists) >= 9
    for path, operation in lists:
        assert list(operation["responses"]["200"]["content"]) == ["application/json", "text/csv"], path
        csv_path = path.rstrip("/") + ".csv"
        csv_operation = schema["paths"][csv_path]["get"]
        assert list(csv_operation["responses"]["200"]["content"]) == ["text/csv"]
        assert csv_operation["responses"]["200"]["content"]["text/csv"]["schema"] == {"type": "string"}
        assert "format" not in [parameter["name"] for parameter in csv_operation["parameters"]]
        for url in (csv_path, f"{path}?format=csv"):
            response = reader.get(url)
            assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), url


def test_evidence_links_and_uploads_have_their_own_bodies(schema):
    body = schema["paths"]["/api/v1/updates/{id}/evidence/"]["post"]["requestBody"]["content"]
    link = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    upload = body["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert link != upload
    components = schema["components"]["schemas"]
    assert components[upload]["properties"]["file"]["format"] == "binary" and "file" in components[upload]["required"]
    assert "url" in components[link]["required"] and "file" not in components[link]["properties"]


def test_evidence_and_report_files_say_what_is_null(schema):
    components = schema["components"]["schemas"]
    evidence = components["Evidence"]["properties"]
    for name in ("url", "file", "file_name"):
        assert evidence[name].get("nullable") is True, name
    for name in ("html", "pdf", "xlsx", "csv"):
        assert components["ReportFiles"]["properties"][name].get("nullable") is True


def test_if_match_is_required_exactly_where_a_write_without_it_is_428(schema):
    for path, method, operation in operations(schema):
        headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
        gives_428 = "428" in operation["responses"]
        if_match = headers.get("If-Match")
        assert bool(if_match and if_match.get("required")) == gives_428, f"{method.upper()} {path}"
        if method != "get" and "{" in path and path.endswith(("/evidence/", "/evidence/{evidence_id}/")):
            assert if_match is not None and "412" in operation["responses"]


def test_the_errors_each_operation_gives_are_declared_in_the_error_shape(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        expected = {"400", "401", "429"} | ({"404"} if "{" in path else set())
        if method != "get":
            expected |= {"403", "409"}
        assert expected <= set(responses), f"{method.upper()} {path}: {sorted(expected - set(responses))}"
        for code, response in responses.items():
            if code.startswith("4") and code != "416":
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/Error"), (path, code)


def test_search_and_ordering_are_documented_where_and_as_they_are_accepted(schema, world, api, keys):
    reader = api(keys["read"])
    for path, _method, operation in operations(schema):
        if not operation["operationId"].endswith("_list") or path.endswith(".csv"):
            continue
        names = {p["name"]: p for p in operation["parameters"]}
        searched = reader.get(path, {"search": "x"})
        assert searched.status_code == (200 if "search" in names else 400), path
        if "ordering" in names:
            ordering = names["ordering"]
            fields = ordering["schema"]["pattern"].split("(?:", 1)[1].split(")", 1)[0].split("|")
            both = f"-{fields[0]},{fields[-1]}"
            assert reader.get(path, {"ordering": both}).status_code == 200, path
        else:
            assert reader.get(path, {"ordering": "id"}).status_code == 400, path


def test_enum_parameters_are_as_enforced(schema, world, api, keys):
    reader = api(keys["read"])
    for path, method, operation in operations(schema):
        if method != "get" or "{" in path:
            continue
        for parameter in operation["parameters"]:
            if parameter["in"] != "query":
                continue
            enum = parameter["schema"].get("enum") or parameter["schema"].get("items", {}).get("enum")
            if not enum:
                continue
            assert "" not in enum, (path, parameter["name"])
            assert reader.get(path, {parameter["name"]: ""}).status_code == 400, (path, parameter["name"])
            assert reader.get(path, {parameter["name"]: "no-such-value"}).status_code == 400
            assert reader.get(path, {parameter["name"]: enum[0]}).status_code == 200, (path, parameter["name"])


def test_the_country_filter_is_documented_as_the_iso_code(schema):
    country = next(
        p for p in schema["paths"]["/api/v1/members/"]["get"]["parameters"] if p["name"] == "country"
    )
    assert "ISO 3166" in country["description"] and country["schema"]["pattern"] == "^[A-Za-z]{2}$"
