"""Certificate templates: each broken thing is refused, naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from lms.certificates import template
from lms.errors import Invalid, NotFound

ROOT = Path(__file__).resolve().parents[2]

GOOD = """issuer_code: ACME
organisation: {zh: 测试中心, en: Test Centre}
signatory:
  name: 张三
  title: {zh: 主任, en: Director}
"""


def write(tmp_path: Path, text: str, name: str = "t") -> Path:
    content = tmp_path / "content"
    (content / "certificates").mkdir(parents=True, exist_ok=True)
    (content / "certificates" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return content


def refused(content: Path, name: str = "t") -> str:
    with pytest.raises(Invalid) as caught:
        template.load(content, name)
    return caught.value.message


def test_the_shipped_template_loads() -> None:
    shipped = template.load(ROOT / "content", "default")
    assert shipped.issuer_code == "DEMO"
    assert shipped.organisation.zh and shipped.organisation.en
    assert shipped.logo is not None and shipped.logo.is_file()
    assert shipped.signature is None  # nobody signs for a demo organisation
    assert "default" in template.names(ROOT / "content")


def test_a_good_template_with_images(tmp_path: Path) -> None:
    content = write(tmp_path, GOOD + "logo: art/logo.png\nsignature: sig.jpg\n")
    (content / "certificates" / "art").mkdir()
    Image.new("RGBA", (40, 40), (0, 80, 90, 255)).save(content / "certificates/art/logo.png")
    Image.new("RGB", (120, 40), "white").save(content / "certificates/sig.jpg")
    loaded = template.load(content, "t")
    assert loaded.name == "t"
    assert loaded.signatory == "张三"
    assert loaded.signatory_title.en == "Director"
    assert loaded.logo == (content / "certificates/art/logo.png").resolve()
    assert loaded.signature is not None and loaded.signature.name == "sig.jpg"
    assert template.names(content) == ["t"]


def test_a_missing_image_names_the_file_and_the_field(tmp_path: Path) -> None:
    content = write(tmp_path, GOOD + "logo: logo.png\n")
    assert refused(content) == "content/certificates/t.yaml: logo: file logo.png does not exist"


def test_a_text_file_named_png_is_not_an_image(tmp_path: Path) -> None:
    content = write(tmp_path, GOOD + "signature: sig.png\n")
    (content / "certificates" / "sig.png").write_text("not a picture", encoding="utf-8")
    message = refused(content)
    assert message.startswith("content/certificates/t.yaml: signature: sig.png is not an image")


def test_an_image_of_another_kind_is_refused(tmp_path: Path) -> None:
    content = write(tmp_path, GOOD + "logo: logo.gif\n")
    Image.new("P", (10, 10)).save(content / "certificates" / "logo.gif")
    assert "logo: logo.gif is GIF; use a PNG or JPEG image" in refused(content)


def test_a_folder_is_not_an_image(tmp_path: Path) -> None:
    content = write(tmp_path, GOOD + "logo: art\n")
    (content / "certificates" / "art").mkdir()
    assert refused(content) == "content/certificates/t.yaml: logo: art is not a file"


@pytest.mark.parametrize("code", ["demo", "D", "TOOLONGCODE", "DE-MO", 1234, ""])
def test_a_bad_issuer_code(tmp_path: Path, code: object) -> None:
    content = write(tmp_path, GOOD.replace("issuer_code: ACME", f"issuer_code: {code!r}"))
    assert refused(content).startswith("content/certificates/t.yaml: issuer_code: ")


def test_a_missing_organisation(tmp_path: Path) -> None:
    content = write(tmp_path, GOOD.replace("organisation: {zh: 测试中心, en: Test Centre}\n", ""))
    assert refused(content).startswith("content/certificates/t.yaml: organisation: missing")


def test_a_missing_translation_names_the_language(tmp_path: Path) -> None:
    content = write(tmp_path, GOOD.replace("{zh: 主任, en: Director}", "{zh: 主任}"))
    assert refused(content).startswith("content/certificates/t.yaml: signatory.title.en: ")


def test_an_unknown_field(tmp_path: Path) -> None:
    content = write(tmp_path, GOOD + "seal: seal.png\n")
    assert refused(content).startswith("content/certificates/t.yaml: seal: unknown field")


def test_not_yaml(tmp_path: Path) -> None:
    content = write(tmp_path, "issuer_code: [\n")
    assert "not a valid YAML file" in refused(content)


@pytest.mark.parametrize("name", ["nothing", "../content/certificates/t", "T", ""])
def test_an_unknown_template_is_not_found(tmp_path: Path, name: str) -> None:
    content = write(tmp_path, GOOD)
    with pytest.raises(NotFound, match=r"\(there are: t\)"):
        template.load(content, name)
