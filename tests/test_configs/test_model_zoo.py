"""model-index.yml -> configs/hcml/metafile.yml: every model names an
existing config, and the paper's figures are those of its Tables 3 and 6."""
import os.path as osp

import yaml

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load(path):
    with open(osp.join(ROOT, path)) as f:
        return yaml.safe_load(f)


def models():
    index = load('model-index.yml')
    out = []
    for meta in index['Import']:
        out += load(meta)['Models']
    return out


def test_model_index_names_existing_configs_and_readme():
    found = models()
    assert len({m['Name'] for m in found}) == len(found) == 7
    for model in found:
        assert osp.isfile(osp.join(ROOT, model['Config'])), model['Config']
        assert model['In Collection'] == 'HCML'
        # nothing trained here yet: no weights may be advertised
        assert 'Weights' not in model
    collection = load('configs/hcml/metafile.yml')['Collections'][0]
    assert osp.isfile(osp.join(ROOT, collection['README']))
    # mim reads the index from the package's .mim folder
    assert osp.samefile(osp.join(ROOT, 'mmhcml', '.mim', 'model-index.yml'),
                        osp.join(ROOT, 'model-index.yml'))
    assert osp.isfile(osp.join(ROOT, 'mmhcml', '.mim', 'configs', 'hcml',
                               'metafile.yml'))


def test_paper_figures_match_tables_3_and_6():
    top1 = {m['Config']: m['Results'][0]['Metrics'].get(
        'Top 1 Accuracy (paper)') for m in models()}
    # Table 3 (top-1), Table 6 (Kinetics-400 top-5)
    assert top1['configs/hcml/joint_k400.py'] == 74.8
    assert top1['configs/hcml/r2plus1d101/joint_k400.py'] == 78.3
    assert top1['configs/hcml/joint_sthv1.py'] == 46.2
    assert top1['configs/hcml/r2plus1d101/joint_sthv1.py'] == 52.8
    assert top1['configs/hcml/joint_sthv2.py'] == 59.4
    assert top1['configs/hcml/r2plus1d101/joint_sthv2.py'] == 64.4
    k400 = [m for m in models() if m['Config'] == 'configs/hcml/joint_k400.py']
    assert k400[0]['Results'][0]['Metrics']['Top 5 Accuracy (paper)'] == 91.6
