/** Events the knowledge base publishes. */
declare module '../../platform/events/domain-event' {
  interface DomainEventCatalogue {
    /** A reader rated a published article (once per user and article version). */
    KbFeedbackReceived: {
      article_id: string;
      article_version: number;
      feedback_id: string;
      helpful: boolean;
      rating: number | null;
      /** The review this feedback opened, if it was poor enough and none was open. */
      review_id: string | null;
    };
    /** Poor feedback opened a content review for the article's owner. */
    KbContentReviewRequested: {
      review_id: string;
      article_id: string;
      article_slug: string;
      article_title: string;
      article_version: number;
      owner_id: string;
      reason: 'low_rating' | 'low_helpful_share';
      /** The feedback that triggered the review. */
      feedback_id: string;
      helpful: boolean;
      rating: number | null;
      comment: string | null;
      /** The version's votes when the review opened, this feedback included. */
      votes: number;
      helpful_votes: number;
    };
  }
}

export {};
