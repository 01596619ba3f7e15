from tests.sandbox_process import SandboxProcess


def test_sandbox_serves_participants(sandbox: SandboxProcess) -> None:
    with sandbox.client() as client:
        response = client.get("/api/v3/participants")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert len(response.json()["data"]) == 60 or len(response.json()["data"]) > 0
