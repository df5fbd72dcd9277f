import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The knowledge base (issue 6): articles (Markdown, draft or published, an owner, a version bumped by
 * every change of title or body), readers' feedback (once per user and article version) and the content
 * reviews poor feedback opens for the owner: at most one open per article, at most one per version.
 */
export class KnowledgeBase1763800012000 implements MigrationInterface {
  name = 'KnowledgeBase1763800012000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE kb_articles (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        slug text NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        category text NOT NULL,
        status text NOT NULL DEFAULT 'draft',
        owner_id text NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_by text NOT NULL,
        published_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT kb_articles_company_slug_unique UNIQUE (company_id, slug),
        CONSTRAINT kb_articles_status_check CHECK (status IN ('draft', 'published')),
        CONSTRAINT kb_articles_version_check CHECK (version >= 1),
        CONSTRAINT kb_articles_published_at_check CHECK ((status = 'published') = (published_at IS NOT NULL))
      )`);
    await queryRunner.query(
      `CREATE INDEX kb_articles_company_created ON kb_articles (company_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX kb_articles_company_published ON kb_articles (company_id, created_at DESC, id DESC)
        WHERE status = 'published'`,
    );
    await queryRunner.query(
      `CREATE INDEX kb_articles_company_category ON kb_articles (company_id, category, created_at DESC, id DESC)`,
    );

    await queryRunner.query(`
      CREATE TABLE kb_feedback (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        article_id uuid NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
        article_version integer NOT NULL,
        user_id text NOT NULL,
        customer_id uuid,
        helpful boolean NOT NULL,
        rating smallint,
        comment text,
        created_at timestamptz NOT NULL,
        CONSTRAINT kb_feedback_once_per_version UNIQUE (company_id, article_id, article_version, user_id),
        CONSTRAINT kb_feedback_rating_check CHECK (rating BETWEEN 1 AND 5)
      )`);
    await queryRunner.query(
      `CREATE INDEX kb_feedback_article ON kb_feedback (company_id, article_id, created_at DESC, id DESC)`,
    );

    await queryRunner.query(`
      CREATE TABLE kb_content_reviews (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL,
        article_id uuid NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
        article_version integer NOT NULL,
        owner_id text NOT NULL,
        reason text NOT NULL,
        feedback_id uuid NOT NULL REFERENCES kb_feedback (id) ON DELETE CASCADE,
        votes integer NOT NULL,
        helpful_votes integer NOT NULL,
        status text NOT NULL DEFAULT 'open',
        resolution text,
        closed_by text,
        opened_at timestamptz NOT NULL,
        closed_at timestamptz,
        CONSTRAINT kb_content_reviews_once_per_version UNIQUE (company_id, article_id, article_version),
        CONSTRAINT kb_content_reviews_reason_check CHECK (reason IN ('low_rating', 'low_helpful_share')),
        CONSTRAINT kb_content_reviews_status_check CHECK (status IN ('open', 'closed')),
        CONSTRAINT kb_content_reviews_closed_check CHECK ((status = 'closed') = (closed_at IS NOT NULL))
      )`);
    // The "once" of issue 6: whatever races, an article has at most one open review.
    await queryRunner.query(
      `CREATE UNIQUE INDEX kb_content_reviews_one_open ON kb_content_reviews (company_id, article_id)
        WHERE status = 'open'`,
    );
    await queryRunner.query(
      `CREATE INDEX kb_content_reviews_company_status ON kb_content_reviews (company_id, status, opened_at DESC, id DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE kb_content_reviews`);
    await queryRunner.query(`DROP TABLE kb_feedback`);
    await queryRunner.query(`DROP TABLE kb_articles`);
  }
}
