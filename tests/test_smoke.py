def test_enrol_and_due(zf, village):
    result = zf("due", "--days", "30", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = result.json()
    assert [r["household"] for r in rows] == ["H000001", "H000002", "H000003"]


def test_bad_id_number_one_line(zf, snapshot_db):
    before = snapshot_db()
    result = zf(
        "enroll",
        "--name",
        "张三",
        "--id-number",
        "110101194503071238",
        "--village",
        "红星村",
        "--category",
        "low-income",
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: --id-number: wrong check digit: 8 (expected 7); mistyped?"
    ]
    assert snapshot_db() == before
