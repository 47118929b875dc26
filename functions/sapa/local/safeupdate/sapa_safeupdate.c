/*
 * sapa_safeupdate: refuses UPDATE and DELETE statements that have no WHERE clause.
 *
 * Supabase loads pg-safeupdate into the sessions of `authenticator` (the role PostgREST logs in as),
 * so a request through the Data API that would touch every row of a table is refused. pg-safeupdate
 * is in no package this project can install, so the local stack builds this module of its own
 * instead (sapa.local.postgres compiles it against the embedded Postgres' headers) and the platform
 * shim puts it in authenticator's `session_preload_libraries`, as Supabase does with pg-safeupdate.
 *
 * The rule is the one Supabase's users meet: after parse analysis, an UPDATE or DELETE whose own
 * WHERE clause is empty, at the top level or in a WITH query, raises SQLSTATE 21000
 * (cardinality_violation) with "UPDATE requires a WHERE clause" / "DELETE requires a WHERE clause".
 * Row-level security conditions do not count as a WHERE clause (they are added later, by the
 * rewriter). Statements run inside functions are parse-analysed in the same session and are
 * checked too. `sapa_safeupdate.enabled = off` turns the check off for a session.
 */
#include "postgres.h"

#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "parser/analyze.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void _PG_init(void);

static bool check_enabled = true;
static post_parse_analyze_hook_type next_post_parse_analyze_hook = NULL;

static void
refuse_unfiltered(Query *query)
{
	ListCell   *cell;

	if ((query->commandType == CMD_UPDATE || query->commandType == CMD_DELETE) &&
		(query->jointree == NULL || query->jointree->quals == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("%s requires a WHERE clause",
						query->commandType == CMD_UPDATE ? "UPDATE" : "DELETE")));

	foreach(cell, query->cteList)
	{
		CommonTableExpr *cte = lfirst_node(CommonTableExpr, cell);

		if (IsA(cte->ctequery, Query))
			refuse_unfiltered((Query *) cte->ctequery);
	}
}

static void
after_parse_analysis(ParseState *pstate, Query *query, JumbleState *jstate)
{
	if (check_enabled)
		refuse_unfiltered(query);
	if (next_post_parse_analyze_hook)
		next_post_parse_analyze_hook(pstate, query, jstate);
}

void
_PG_init(void)
{
	DefineCustomBoolVariable("sapa_safeupdate.enabled",
							 "Refuse UPDATE and DELETE statements without a WHERE clause.",
							 NULL, &check_enabled, true, PGC_USERSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("sapa_safeupdate");
	next_post_parse_analyze_hook = post_parse_analyze_hook;
	post_parse_analyze_hook = after_parse_analysis;
}
