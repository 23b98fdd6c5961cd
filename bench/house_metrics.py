"""House metrics of a lincae checkout: how the package and its notebooks are laid out.

Measures, with the standard library only (nothing is imported from lincae or torch):
1. the intra-package import graph of lincae/*.py (`from .x import`, `from lincae.x import`, `import lincae.x`;
   imports inside functions are "lazy"): depth in floors (a module importing nothing from the package is
   floor 1), cycles, and which modules import `train`;
2. code-cell sizes in nbs/*.ipynb (lines per non-empty code cell, lines per exported cell, lines over 120 chars);
3. the share of exported cells defining a top-level function/class that are followed, before the next exported
   cell, by a non-exported code cell that asserts (test_eq, test_close, ..., assert) and mentions one of the names;
4. methods attached by assignment at module top level (`CAE.decode = _decode`; the value a module function,
   a lambda, or a call wrapping one, e.g. `staticmethod(_preset)`) and `@patch` decorators.

Run: python bench/house_metrics.py [path] [--json]     (path: a checkout, default the repo root)
"""
import ast, json, re, statistics, sys
from pathlib import Path

TESTS = {'test_eq', 'test_close', 'test_fail', 'test_ne', 'test_is', 'test_warns'}
EXPORT = re.compile(r'^#\|\s*exports?\b')

def import_edges(tree, mods):
    "(target module, lazy) for each intra-package import in `tree`."
    out = []
    def visit(node, lazy):
        for ch in ast.iter_child_nodes(node):
            inner = lazy or isinstance(ch, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(ch, ast.ImportFrom):
                if ch.level or (ch.module or '').split('.')[0] == 'lincae':
                    parts = (ch.module or '').split('.')[0 if ch.level else 1:]
                    if parts and parts[0]: out.append((parts[0], lazy))
                    else: out.extend((a.name if a.name in mods else '__init__', lazy) for a in ch.names)
            elif isinstance(ch, ast.Import):
                for a in ch.names:
                    p = a.name.split('.')
                    if p[0] == 'lincae': out.append((p[1] if len(p) > 1 else '__init__', lazy))
            visit(ch, inner)
    visit(tree, False)
    return [(t, lz) for t, lz in out if t in mods]

def longest(graph):
    "Longest simple path, in modules, and whether `graph` has a cycle."
    best, cyc = 0, False
    def dfs(n, path):
        nonlocal best, cyc
        best = max(best, len(path))
        for m in graph[n]:
            if m in path: cyc = True
            else: dfs(m, path | {m})
    for n in graph: dfs(n, {n})
    return best, cyc

def import_graph(root):
    files = {p.stem: p for p in sorted((root/'lincae').glob('*.py'))}
    top, full, lazy_imports, train_users = {m: set() for m in files}, {m: set() for m in files}, [], []
    for m, p in files.items():
        for t, lz in import_edges(ast.parse(p.read_text()), files):
            if t == m: continue
            full[m].add(t)
            if lz: lazy_imports.append(f'{m}->{t}')
            else: top[m].add(t)
            if t == 'train': train_users.append(m + (' (lazy)' if lz else ''))
    (d_top, c_top), (d_all, c_all) = longest(top), longest(full)
    return {'modules': len(files), 'depth_top_level': d_top, 'depth_with_lazy': d_all, 'cycles_top_level': c_top,
            'cycles_with_lazy': c_all, 'lazy_imports': sorted(set(lazy_imports)), 'import_train': sorted(set(train_users))}

def code_cells(nb):
    for c in json.loads(nb.read_text())['cells']:
        src = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
        if c['cell_type'] == 'code' and src.strip(): yield src.rstrip()

def is_export(src):
    for line in src.splitlines():
        s = line.strip()
        if s and not s.startswith('#'): return False
        if EXPORT.match(s): return True
    return False

def parse(src):
    clean = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('#|', '%', '!')))
    try: return ast.parse(clean)
    except SyntaxError: return None

def defines(src):
    tree = parse(src)
    if tree is None: return set()
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}

def tests_of(src):
    "Identifiers mentioned by `src` if it asserts something, else the empty set."
    tree = parse(src)
    if tree is None:  # unparsable: fall back to words
        words = set(re.findall(r'\w+', src))
        return words if words & TESTS or re.search(r'^\s*assert\b', src, re.M) else set()
    nodes = list(ast.walk(tree))
    names = {getattr(n, 'id', None) or getattr(n, 'attr', None) for n in nodes if isinstance(n, (ast.Name, ast.Attribute))}
    asserts = any(isinstance(n, ast.Assert) for n in nodes) or any(
        isinstance(n, ast.Call) and (getattr(n.func, 'id', None) or getattr(n.func, 'attr', None)) in TESTS for n in nodes)
    return names - {None} if asserts else set()

def notebooks(root):
    lines, exp_lines, long_lines, per_nb = [], [], 0, {}
    for nb in sorted((root/'nbs').glob('*.ipynb')):
        cells = list(code_cells(nb))
        tested = total = 0
        for i, src in enumerate(cells):
            n = src.splitlines()
            lines.append(len(n)); long_lines += sum(len(l) > 120 for l in n)
            if not is_export(src): continue
            exp_lines.append(len(n))
            names = defines(src)
            if not names: continue
            total += 1
            for later in cells[i+1:]:
                if is_export(later): break
                if names & tests_of(later): tested += 1; break
        if total: per_nb[nb.stem] = [tested, total]
    t, n = sum(v[0] for v in per_nb.values()), sum(v[1] for v in per_nb.values())
    return {'code_cells': len(lines), 'median_cell_lines': statistics.median(lines), 'mean_cell_lines': round(statistics.mean(lines), 1),
            'median_export_lines': statistics.median(exp_lines), 'lines_over_120': long_lines,
            'tested_defs': [t, n], 'tested_share': round(t / n, 3) if n else None, 'tested_per_notebook': per_nb}

def attached(root):
    assigns = patches = 0
    for p in sorted((root/'lincae').glob('*.py')):
        tree = ast.parse(p.read_text())
        funcs = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        is_fn = lambda v: (isinstance(v, ast.Name) and v.id in funcs or isinstance(v, ast.Lambda)
                           or isinstance(v, ast.Call) and any(is_fn(a) for a in v.args))
        for node in tree.body:
            if not isinstance(node, ast.Assign): continue
            for tgt in node.targets:
                pairs = (zip(tgt.elts, node.value.elts) if isinstance(tgt, ast.Tuple) and isinstance(node.value, ast.Tuple)
                         else [(tgt, node.value)])
                assigns += sum(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and is_fn(v) for t, v in pairs)
        for n in ast.walk(tree):
            for d in getattr(n, 'decorator_list', []):
                d = d.func if isinstance(d, ast.Call) else d
                patches += (getattr(d, 'id', None) or getattr(d, 'attr', None)) == 'patch'
    return {'attached_by_assignment': assigns, 'patch_decorators': patches}

def markdown(r):
    g, nb, a = r['imports'], r['notebooks'], r['methods']
    rows = [('modules in lincae/', g['modules']), ('import depth, top-level (floors)', g['depth_top_level']),
            ('import depth, with lazy imports', g['depth_with_lazy']),
            ('cycles (top-level / with lazy)', f"{g['cycles_top_level']} / {g['cycles_with_lazy']}"),
            ('lazy imports', ', '.join(g['lazy_imports']) or '-'), ('modules importing train', ', '.join(g['import_train']) or '-'),
            ('code cells', nb['code_cells']), ('lines per code cell, median / mean', f"{nb['median_cell_lines']} / {nb['mean_cell_lines']}"),
            ('lines per exported cell, median', nb['median_export_lines']), ('code lines > 120 chars', nb['lines_over_120']),
            ('exported defs followed by a test', f"{nb['tested_defs'][0]}/{nb['tested_defs'][1]} ({nb['tested_share']:.0%})"),
            ('  per notebook', ', '.join(f'{k} {t}/{n}' for k, (t, n) in nb['tested_per_notebook'].items())),
            ('methods attached by assignment', a['attached_by_assignment']), ('@patch decorators', a['patch_decorators'])]
    return '\n'.join([f"House of `{r['path']}`\n", '| metric | value |', '|---|---|'] + [f'| {k} | {v} |' for k, v in rows])

if __name__ == '__main__':
    args = [a for a in sys.argv[1:] if a != '--json']
    root = Path(args[0] if args else Path(__file__).resolve().parents[1]).resolve()
    r = {'path': str(root), 'imports': import_graph(root), 'notebooks': notebooks(root), 'methods': attached(root)}
    print(json.dumps(r, indent=1) if '--json' in sys.argv else markdown(r))
