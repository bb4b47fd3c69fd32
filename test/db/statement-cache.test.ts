import SqliteDriver from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withStatementCache } from '../../src/db/sqlite/statement-cache.js';

describe('the SQLite statement cache', () => {
  let driver: SqliteDriver.Database;
  beforeEach(() => {
    driver = new SqliteDriver(':memory:');
    driver.exec('create table t (id integer primary key, name text)');
    driver.exec("insert into t (name) values ('a'), ('b'), ('c')");
  });
  afterEach(() => {
    driver.close();
  });

  it('prepares a statement once and reuses it for the same SQL', () => {
    const db = withStatementCache(driver);
    const first = db.prepare('select name from t where id = ?');
    expect(db.prepare('select name from t where id = ?')).toBe(first);
    expect(first.all([2])).toEqual([{ name: 'b' }]);
    expect(db.prepare('select name from t where id > ?')).not.toBe(first);
  });

  it('prepares a fresh statement while the cached one is still iterating a result', () => {
    const db = withStatementCache(driver);
    const sql = 'select name from t order by id';
    const iterating = db.prepare(sql).iterate([]);
    expect(iterating.next().value).toEqual({ name: 'a' });
    const other = db.prepare(sql);
    expect(other.all([])).toHaveLength(3);
    expect([...iterating]).toEqual([{ name: 'b' }, { name: 'c' }]);
  });

  it('keeps working after the schema changes', () => {
    const db = withStatementCache(driver);
    expect(db.prepare('select * from t where id = ?').all([1])).toEqual([{ id: 1, name: 'a' }]);
    driver.exec("alter table t add column note text default 'n'");
    expect(db.prepare('select * from t where id = ?').all([1])).toEqual([{ id: 1, name: 'a', note: 'n' }]);
  });

  it('does not keep long statements such as bulk inserts', () => {
    const db = withStatementCache(driver);
    const values = Array.from({ length: 1200 }, () => '(?)').join(', ');
    const sql = `insert into t (name) values ${values}`;
    const statement = db.prepare(sql);
    expect(statement.run(Array.from({ length: 1200 }, (_, i) => `n${i}`)).changes).toBe(1200);
    expect(db.prepare(sql)).not.toBe(statement);
  });
});
